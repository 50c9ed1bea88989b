using System.Net;
using System.Net.Http.Json;
using EdgeInventory.Contracts;
using EdgeInventory.Mqtt;

namespace EdgeInventory.Cloud.Tests;

/// <summary>An admin's floor plan for a store's stock map: checked, scoped, drawn, and removable.</summary>
public sealed class StoreLayoutTests
{
    [Fact]
    public async Task An_uploaded_floor_plan_places_its_zones_and_the_rest_keep_the_derived_map()
    {
        await using CloudTestSystem system = await CloudTestSystem.StartAsync();
        MqttConnection store = await system.ClientAsync("s001");
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var snapshot = new ZoneCountSnapshot
        {
            EventId = EventIds.NewId(), OccurredAt = now, StoreId = "s001", DeviceId = "edge-01", ModelVersion = "shelf-test 1", CameraId = "cam-1",
            WindowStart = now.AddMinutes(-1), WindowEnd = now,
            Zones =
            [
                new ZoneCount { ZoneId = "z1", LocationId = "s001/A1/B1/S1", Sku = "111", Facings = 5, Units = 5, EmptyFraction = 0.1, Occluded = false },
                new ZoneCount { ZoneId = "z2", LocationId = "s001/A1/B1/S2", Sku = "222", Facings = 4, Units = 4, EmptyFraction = 0.1, Occluded = false },
            ],
        };
        await CloudTestSystem.PublishAsync(store, Topics.ZoneCounts("s001", "edge-01"), ContractParser.Serialize(snapshot));
        using HttpClient admin = system.Http(CloudTestSystem.AdminKey);
        using HttpClient ho = system.Http(CloudTestSystem.HeadOfficeKey);
        using HttpClient op = system.Http(CloudTestSystem.OperatorKey);
        // 404 until the snapshot is ingested (asynchronously): poll the status, not GetStringAsync, which throws on it.
        Assert.True(await CloudTestSystem.WaitUntilAsync(async () =>
        {
            using HttpResponseMessage r = await ho.GetAsync(new Uri("/api/v1/stores/s001", UriKind.Relative));
            return r.IsSuccessStatusCode && (await r.Content.ReadAsStringAsync()).Contains("s001/A1/B1/S2", StringComparison.Ordinal);
        }), "the store's zones never appeared");

        object plan = new { zones = new[] { new { location = "s001/A1/B1/S1", sku = "111", x = 120.0, y = 40.0, width = 90.0, height = 30.0 } } };
        Assert.Equal(HttpStatusCode.Forbidden, (await ho.PutAsJsonAsync("/api/v1/stores/s001/layout", plan)).StatusCode);
        using HttpResponseMessage foreign = await admin.PutAsJsonAsync("/api/v1/stores/s001/layout", new { zones = new[] { new { location = "s002/A1/B1/S1", x = 0.0, y = 0.0, width = 1.0, height = 1.0 } } });
        Assert.Equal(HttpStatusCode.BadRequest, foreign.StatusCode);
        Assert.Contains("zones[0].location", await foreign.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using HttpResponseMessage negative = await admin.PutAsJsonAsync("/api/v1/stores/s001/layout", new { zones = new[] { new { location = "s001/A1/B1/S1", x = 0.0, y = 0.0, width = -1.0, height = 1.0 } } });
        Assert.Equal(HttpStatusCode.BadRequest, negative.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await ho.GetAsync("/api/v1/stores/s001/layout")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/v1/stores/s001/layout", plan)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await op.GetAsync("/api/v1/stores/s001/layout")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await op.GetAsync("/api/v1/stores/s002/layout")).StatusCode);

        string page = await PageAsync(system, "/stores/s001");
        Assert.Contains("stockmap floorplan", page, StringComparison.Ordinal);
        Assert.Contains("Not on the floor plan", page, StringComparison.Ordinal); // S2 is not on the plan, and still shown
        Assert.Contains("SKU 222", page, StringComparison.Ordinal);
        // The plan is scaled to 1,000 px across its widest zone edge (210 units): the zone starts at 120/210 of it.
        Assert.Contains("x=\"571.4\"", page, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("/api/v1/stores/s001/layout")).StatusCode);
        Assert.DoesNotContain("stockmap floorplan", await PageAsync(system, "/stores/s001"), StringComparison.Ordinal);
    }

    private static async Task<string> PageAsync(CloudTestSystem system, string path)
    {
        using HttpClient browser = system.Http(null);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", $"edgeinv_key={CloudTestSystem.HeadOfficeKey}");
        using HttpResponseMessage response = await browser.SendAsync(request);
        string html = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {html}");
        return html;
    }
}
