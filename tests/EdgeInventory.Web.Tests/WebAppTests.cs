using System.Text.Json;
using EdgeInventory.Cloud.Storage;
using EdgeInventory.Cloud.Tests;
using EdgeInventory.Contracts;
using EdgeInventory.Mqtt;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace EdgeInventory.Web.Tests;

/// <summary>
/// The web app in a real browser against a real aggregator, mosquitto and SQLite, seeded by publishing contract
/// messages as the stores. Screenshots of each main view go to <c>screenshots/</c> in the test output folder.
/// </summary>
public sealed class WebAppTests : IClassFixture<ChromiumFixture>
{
    private const string EmptySku = "7310865004703";
    private static readonly string Shots = Path.Combine(AppContext.BaseDirectory, "screenshots");
    private readonly ChromiumFixture _chromium;

    public WebAppTests(ChromiumFixture chromium)
    {
        _chromium = chromium;
        Directory.CreateDirectory(Shots);
        // Generous waits: the test machine's two cores are shared with other builds and test runs.
        Assertions.SetDefaultExpectTimeout(30_000);
    }

    [Fact]
    public async Task Head_office_signs_in_and_walks_from_the_overview_to_a_store_map_and_a_zone_with_its_chart_and_evidence_photo()
    {
        await using CloudTestSystem system = await CloudTestSystem.StartAsync();
        await SeedAsync(system);
        await ExecuteAsync(system, "UPDATE stores SET time_zone = 'Europe/Stockholm' WHERE store_id = 's001'");
        await using IBrowserContext context = await _chromium.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1400, Height = 1000 } });
        context.SetDefaultTimeout(60_000);
        IPage page = await context.NewPageAsync();
        string root = CloudHost(system);

        // Without a key every page leads to sign-in, and back to the page asked for after it.
        await page.GotoAsync(root + "/stores/s001");
        Assert.EndsWith("/signin?next=%2Fstores%2Fs001", page.Url, StringComparison.Ordinal);
        await page.GetByLabel("API key").FillAsync("not-a-key");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("That key is not valid");
        await page.GetByLabel("API key").FillAsync(CloudTestSystem.HeadOfficeKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(root + "/stores/s001");
        BrowserContextCookiesResult cookie = Assert.Single(await context.CookiesAsync(), c => c.Name == "edgeinv_key");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);

        // The overview: both stores, worst first (s002's only shelf is empty, one of s001's 18), sortable by a link.
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Overview" }).ClickAsync();
        ILocator rows = page.Locator("#stores tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        Assert.Equal(["s002", "s001"], await rows.EvaluateAllAsync<string[]>("rs => rs.map(r => r.dataset.store)"));
        await Assertions.Expect(rows.Nth(0)).ToContainTextAsync("0.0 %");
        await Assertions.Expect(rows.Nth(1)).ToContainTextAsync("94.4 %");
        await Assertions.Expect(rows.Nth(1)).ToContainTextAsync("Europe/Stockholm");
        await Assertions.Expect(rows.Nth(0)).ToContainTextAsync("UTC");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Shots, "overview.png"), FullPage = true });
        await page.GetByRole(AriaRole.Link, new() { Name = "Store" }).ClickAsync();
        Assert.Contains("sort=store", page.Url, StringComparison.Ordinal);
        Assert.Equal(["s001", "s002"], await rows.EvaluateAllAsync<string[]>("rs => rs.map(r => r.dataset.store)"));
        await page.GetByLabel("Store name or id").FillAsync("s002");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await page.GoBackAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(2);

        // The store's map: every zone placed and coloured; the empty one is a link to its detail.
        await page.GetByRole(AriaRole.Link, new() { Name = "s001", Exact = true }).ClickAsync();
        await page.WaitForURLAsync(root + "/stores/s001");
        await Assertions.Expect(page.Locator("svg.stockmap a.zone")).ToHaveCountAsync(18);
        await Assertions.Expect(page.Locator("svg.stockmap rect.z.empty")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("svg.stockmap rect.z.instock")).ToHaveCountAsync(16);
        await Assertions.Expect(page.Locator("svg.stockmap rect.z.low")).ToHaveCountAsync(1);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Shots, "store-map.png"), FullPage = true });
        await page.Locator($"svg.stockmap a.zone[aria-label*='SKU {EmptySku}']").ClickAsync();
        await page.WaitForURLAsync(u => u.Contains("/stores/s001/zones?location=s001%2FA1%2FB1%2FS1", StringComparison.Ordinal));

        // The zone: chart of its counts, the discrepancy, the evidence photo decoded by the browser.
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("Aisle A1, bay B1, shelf S1");
        await Assertions.Expect(page.Locator("#zone-chart polyline.units")).ToHaveCountAsync(1);
        Assert.Equal(8, await page.Locator("#zone-chart circle.dot").CountAsync());
        await Assertions.Expect(page.Locator("#zone-chart rect.band.empty")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#zone-chart line.expected")).ToHaveCountAsync(1); // 12 expected, from the discrepancy
        await Assertions.Expect(page.Locator(".timeline")).ToContainTextAsync("outOfStock");
        ILocator photo = page.Locator("img#evidence");
        await Assertions.Expect(photo).ToBeVisibleAsync();
        Assert.True(await page.WaitForFunctionAsync("() => document.getElementById('evidence').complete && document.getElementById('evidence').naturalWidth === 768") is not null);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Shots, "zone.png"), FullPage = true });
        await page.GetByRole(AriaRole.Link, new() { Name = "7 days" }).ClickAsync();
        Assert.Contains("range=7d", page.Url, StringComparison.Ordinal);
        await Assertions.Expect(page.Locator("#history")).ToContainTextAsync("7 days");

        // The back button walks back through the views.
        await page.GoBackAsync();
        await page.GoBackAsync();
        await page.WaitForURLAsync(root + "/stores/s001");

        // Keyboard: the skip link is the first stop and shows focus.
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Skip to content", await page.EvaluateAsync<string>("() => document.activeElement.textContent"));

        // Reorder: a forecast run over the seeded counts (started by hand, as an admin would), then its results in the view.
        using (HttpClient admin = system.Http(CloudTestSystem.AdminKey))
        {
            using HttpResponseMessage run = await admin.PostAsync("/api/v1/forecast-runs", null);
            Assert.True(run.IsSuccessStatusCode, $"forecast run: {(int)run.StatusCode} {await run.Content.ReadAsStringAsync()}");
        }
        await page.GetByRole(AriaRole.Link, new() { Name = "Reorder" }).ClickAsync();
        await Assertions.Expect(page.Locator("#reorder")).ToContainTextAsync("s001");
        await Assertions.Expect(page.Locator("#reorder th").First).ToHaveTextAsync("Store");
        await Assertions.Expect(page.Locator("#reorder")).ToContainTextAsync("Runs out");
        // The zone view now shows its SKU's forecast and recommendation.
        await page.GoBackAsync();
        await page.GotoAsync(root + "/stores/s001/zones?location=" + Uri.EscapeDataString("s001/A1/B1/S1") + "&sku=" + Uri.EscapeDataString(EmptySku));
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("Demand per day");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("Runs out");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Shots, "reorder.png"), FullPage = true });

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync(root + "/signin");
        await page.GotoAsync(root + "/");
        Assert.Contains("/signin", page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_alert_raised_at_the_edge_appears_in_the_inbox_without_reload_is_acknowledged_and_disappears_when_the_discrepancy_ends()
    {
        await using CloudTestSystem system = await CloudTestSystem.StartAsync();
        MqttConnection store = await system.ClientAsync("s001");
        await using IBrowserContext context = await _chromium.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        IPage page = await SignInAsync(context, system, CloudTestSystem.OperatorKey, "/alerts");
        await Assertions.Expect(page.Locator("#inbox-empty")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#live-status")).ToContainTextAsync("Live:");
        await page.EvaluateAsync("() => { window.notReloaded = true; }");

        Guid id = EventIds.NewId();
        DiscrepancyEvent start = CloudTestSystem.Discrepancy("s001", DiscrepancyPhase.Start, id, location: "A3/B2/S4");
        await CloudTestSystem.PublishAsync(store, CloudTestSystem.Topic(start), ContractParser.Serialize(start));
        ILocator row = page.Locator("#inbox tbody tr");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row).ToContainTextAsync("s001/A3/B2/S4");
        await Assertions.Expect(row.Locator(".state")).ToHaveTextAsync("open");
        await Assertions.Expect(page.Locator("#inbox-empty")).ToBeHiddenAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(Shots, "inbox.png"), FullPage = true });

        await row.GetByLabel("Comment").FillAsync("restocking from the back room");
        await row.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" }).ClickAsync();
        await Assertions.Expect(row.Locator(".state")).ToContainTextAsync("acknowledged by operator-s001: “restocking from the back room”");
        using HttpClient api = system.Http(CloudTestSystem.OperatorKey);
        JsonElement alert = JsonDocument.Parse(await api.GetStringAsync("/api/v1/alerts?store=s001")).RootElement[0];
        Assert.Equal("acknowledged", alert.GetProperty("state").GetString());
        Assert.Equal("restocking from the back room", alert.GetProperty("acknowledgeComment").GetString());
        await page.ScreenshotAsync(new() { Path = Path.Combine(Shots, "inbox-acknowledged.png"), FullPage = true });

        DiscrepancyEvent end = CloudTestSystem.Discrepancy("s001", DiscrepancyPhase.End, id, location: "A3/B2/S4");
        await CloudTestSystem.PublishAsync(store, CloudTestSystem.Topic(end), ContractParser.Serialize(end));
        await Assertions.Expect(row).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#inbox-empty")).ToBeVisibleAsync();
        Assert.True(await page.EvaluateAsync<bool>("() => window.notReloaded === true"));
    }

    [Fact]
    public async Task Operators_act_on_several_alerts_at_once_and_see_the_most_severe_first()
    {
        await using CloudTestSystem system = await CloudTestSystem.StartAsync();
        MqttConnection store = await system.ClientAsync("s001");
        foreach ((string location, Severity severity) in new[] { ("A1/B1/S1", Severity.Warning), ("A1/B1/S2", Severity.Critical), ("A1/B1/S3", Severity.Warning) })
        {
            DiscrepancyEvent e = CloudTestSystem.Discrepancy("s001", DiscrepancyPhase.Start, EventIds.NewId(), location: location, severity: severity);
            await CloudTestSystem.PublishAsync(store, CloudTestSystem.Topic(e), ContractParser.Serialize(e));
        }
        Assert.True(await CloudTestSystem.WaitUntilAsync(async () => await CountAsync(system, "SELECT COUNT(*) FROM alerts") == 3, TimeSpan.FromSeconds(60)));
        await using IBrowserContext context = await _chromium.Browser.NewContextAsync();
        IPage page = await SignInAsync(context, system, CloudTestSystem.OperatorKey, "/alerts?sort=severity");
        ILocator rows = page.Locator("#inbox tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(3);
        await Assertions.Expect(rows.First).ToContainTextAsync("critical");

        await page.GetByLabel("Select all").CheckAsync();
        await Assertions.Expect(page.Locator("#selected-count")).ToHaveTextAsync("3 selected");
        await page.GetByRole(AriaRole.Button, new() { Name = "Snooze selected" }).ClickAsync();
        await Assertions.Expect(page.Locator("#inbox tbody tr.snoozed")).ToHaveCountAsync(3);
        await page.GetByRole(AriaRole.Button, new() { Name = "Resolve selected" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(0);
        Assert.Equal(3, await CountAsync(system, "SELECT COUNT(*) FROM alerts WHERE state = 'resolved'"));
    }

    [Fact]
    public async Task A_store_scoped_key_does_not_see_another_store_anywhere()
    {
        await using CloudTestSystem system = await CloudTestSystem.StartAsync();
        await SeedAsync(system);
        await using IBrowserContext context = await _chromium.Browser.NewContextAsync();
        IPage page = await SignInAsync(context, system, CloudTestSystem.OperatorKey, "/");
        await Assertions.Expect(page.Locator("#stores tbody tr")).ToHaveCountAsync(1);
        Assert.DoesNotContain("s002", await page.ContentAsync(), StringComparison.Ordinal);

        await page.GotoAsync(CloudHost(system) + "/alerts");
        await Assertions.Expect(page.Locator("#live-status")).ToContainTextAsync("Live:");
        await Assertions.Expect(page.Locator("#inbox tbody tr")).ToHaveCountAsync(2); // s001's empty shelf and its shelf below minimum
        Assert.DoesNotContain("s002", await page.ContentAsync(), StringComparison.Ordinal);
        await Assertions.Expect(page.Locator("#inbox img.thumb")).ToHaveCountAsync(1);
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('#inbox img.thumb')].every(i => i.complete && i.naturalWidth > 0)");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Shots, "inbox-operator.png"), FullPage = true });

        // A new shortage of s002 does not reach the s001 inbox; one of s001 does.
        MqttConnection s1 = await system.ClientAsync("s001"), s2 = await system.ClientAsync("s002");
        DiscrepancyEvent hidden = CloudTestSystem.Discrepancy("s002", DiscrepancyPhase.Start, EventIds.NewId(), location: "A9/B9/S9");
        await CloudTestSystem.PublishAsync(s2, CloudTestSystem.Topic(hidden), ContractParser.Serialize(hidden));
        Assert.True(await CloudTestSystem.WaitUntilAsync(async () => await CountAsync(system, "SELECT COUNT(*) FROM alerts WHERE store_id = 's002'") == 2, TimeSpan.FromSeconds(60)));
        DiscrepancyEvent shown = CloudTestSystem.Discrepancy("s001", DiscrepancyPhase.Start, EventIds.NewId(), location: "A9/B9/S9");
        await CloudTestSystem.PublishAsync(s1, CloudTestSystem.Topic(shown), ContractParser.Serialize(shown));
        await Assertions.Expect(page.Locator("#inbox tbody tr")).ToHaveCountAsync(3);
        Assert.DoesNotContain("s002", await page.ContentAsync(), StringComparison.Ordinal);

        foreach (string path in new[] { "/stores/s002", "/stores/s002/zones?location=s002%2FA1%2FB1%2FS1", "/reorder?store=s002" })
        {
            IResponse? response = await page.GotoAsync(CloudHost(system) + path);
            if (path.StartsWith("/stores", StringComparison.Ordinal))
            {
                Assert.Equal(404, response!.Status);
                await Assertions.Expect(page.Locator("main")).ToContainTextAsync("does not exist or this key may not see it");
            }
        }
        IAPIResponse evidence = await page.APIRequest.GetAsync(CloudHost(system) + "/api/v1/stores/s002");
        Assert.Equal(404, evidence.Status);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Shots, "scoped-not-found.png") });
    }

    // ---- helpers ----

    private static string CloudHost(CloudTestSystem system) => EdgeInventory.Cloud.Hosting.CloudHost.Address(system.App).ToString().TrimEnd('/');

    private static async Task<IPage> SignInAsync(IBrowserContext context, CloudTestSystem system, string key, string path)
    {
        context.SetDefaultTimeout(60_000);
        IPage page = await context.NewPageAsync();
        await page.GotoAsync(CloudHost(system) + path);
        await page.GetByLabel("API key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(CloudHost(system) + path, new() { WaitUntil = WaitUntilState.DOMContentLoaded });
        return page;
    }

    private static async Task<long> CountAsync(CloudTestSystem system, string sql)
    {
        var db = system.App.Services.GetRequiredService<CloudDatabase>();
        using SqlSession s = await SqlSession.BeginReadAsync(db);
        return s.ScalarLong(sql) ?? 0;
    }

    private static async Task ExecuteAsync(CloudTestSystem system, string sql)
    {
        var db = system.App.Services.GetRequiredService<CloudDatabase>();
        using SqlSession s = await SqlSession.BeginAsync(db);
        s.Execute(sql);
        s.Commit();
    }

    /// <summary>
    /// Two stores as their devices report them: s001 with 2 aisles × 3 bays × 3 shelves counted every 30 minutes for
    /// 3.5 h, its A1/B1/S1 emptied (an open out-of-stock with a photo) and A2/B2/S2 below minimum; s002 with one
    /// shelf and a shortage of its own.
    /// </summary>
    private static async Task SeedAsync(CloudTestSystem system)
    {
        MqttConnection s1 = await system.ClientAsync("s001"), s2 = await system.ClientAsync("s002");
        DateTimeOffset now = DateTimeOffset.UtcNow;
        for (int step = 7; step >= 0; step--)
        {
            DateTimeOffset at = now.AddMinutes(-30 * step).AddSeconds(-5);
            var zones = new List<ZoneCount>();
            foreach (string aisle in new[] { "A1", "A2" })
            {
                foreach (string bay in new[] { "B1", "B2", "B3" })
                {
                    foreach (string shelf in new[] { "S1", "S2", "S3" })
                    {
                        string location = $"s001/{aisle}/{bay}/{shelf}";
                        bool emptying = location == "s001/A1/B1/S1";
                        int units = emptying ? Math.Max(0, step * 2 - 4) : 10;
                        zones.Add(new ZoneCount
                        {
                            ZoneId = "z-" + location.Replace('/', '-'), LocationId = location, Sku = emptying ? EmptySku : $"sku-{aisle}{bay}{shelf}",
                            Facings = Math.Min(units, 4), Units = units, EmptyFraction = units == 0 ? 0.9 : 0.1, Occluded = false,
                        });
                    }
                }
            }
            await CloudTestSystem.PublishAsync(s1, Topics.ZoneCounts("s001", "edge-01"), ContractParser.Serialize(Snapshot("s001", at, zones)));
            await CloudTestSystem.PublishAsync(s2, Topics.ZoneCounts("s002", "edge-01"), ContractParser.Serialize(Snapshot("s002", at,
                [new ZoneCount { ZoneId = "z1", LocationId = "s002/A1/B1/S1", Sku = EmptySku, Facings = 3, Units = 9, EmptyFraction = 0.1, Occluded = false }])));
        }

        byte[] jpeg = await File.ReadAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "evidence.jpg"));
        var reference = new EvidenceRef { EvidenceId = "ev-" + Guid.NewGuid().ToString("N")[..16], Sha256 = EvidencePhoto.HashOf(jpeg), Width = 768, Height = 1024 };
        DiscrepancyEvent empty = CloudTestSystem.Discrepancy("s001", DiscrepancyPhase.Start, EventIds.NewId(), location: "A1/B1/S1", sku: EmptySku, at: now.AddMinutes(-40), evidence: reference);
        await CloudTestSystem.PublishAsync(s1, CloudTestSystem.Topic(empty), ContractParser.Serialize(empty));
        await CloudTestSystem.PublishAsync(s1, Topics.Evidence("s001", "edge-01", reference.EvidenceId), ContractParser.Serialize(new EvidencePhoto
        {
            EventId = EventIds.NewId(), OccurredAt = now, StoreId = "s001", DeviceId = "edge-01", ModelVersion = "shelf-test 1", EvidenceId = reference.EvidenceId,
            DiscrepancyId = empty.DiscrepancyId, SourceEventId = empty.EventId, CameraId = "cam-1", ZoneId = empty.ZoneId, ContentType = "image/jpeg",
            Width = 768, Height = 1024, Sha256 = reference.Sha256, Jpeg = jpeg,
        }));
        DiscrepancyEvent low = CloudTestSystem.Discrepancy("s001", DiscrepancyPhase.Start, EventIds.NewId(), location: "A2/B2/S2", sku: "sku-A2B2S2", kind: DiscrepancyKind.BelowMinimum);
        await CloudTestSystem.PublishAsync(s1, CloudTestSystem.Topic(low), ContractParser.Serialize(low));
        DiscrepancyEvent other = CloudTestSystem.Discrepancy("s002", DiscrepancyPhase.Start, EventIds.NewId(), location: "A1/B1/S1", sku: EmptySku);
        await CloudTestSystem.PublishAsync(s2, CloudTestSystem.Topic(other), ContractParser.Serialize(other));
        Assert.True(await CloudTestSystem.WaitUntilAsync(async () =>
            await CountAsync(system, "SELECT COUNT(*) FROM count_history") == 8 * 19 && await CountAsync(system, "SELECT COUNT(*) FROM evidence") == 1
            && await CountAsync(system, "SELECT COUNT(*) FROM discrepancies") == 3, TimeSpan.FromSeconds(60)));
    }

    private static ZoneCountSnapshot Snapshot(string store, DateTimeOffset end, IReadOnlyList<ZoneCount> zones) => new()
    {
        EventId = EventIds.NewId(),
        OccurredAt = end,
        StoreId = store,
        DeviceId = "edge-01",
        ModelVersion = "shelf-test 1",
        CameraId = "cam-1",
        WindowStart = end.AddMinutes(-1),
        WindowEnd = end,
        Zones = zones,
    };
}
