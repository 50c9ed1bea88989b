using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using EdgeInventory.Agent.Configuration;
using EdgeInventory.Tests.Shared;
using EdgeInventory.Vision.Imaging;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeInventory.Agent.Tests.Agent;

/// <summary>/healthz reflects a detector that fails every frame (issue 15: the loop went round, health said ok).</summary>
public sealed class DetectorHealthTests : IDisposable
{
    private readonly TempFolder _dir = RepoPaths.NewTempFolder();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Healthz_is_unavailable_while_every_detection_round_fails()
    {
        string video = TestSupport.MakeVideo(_dir.Path, "shelf", [SamplePhotos.Load("shelf_val_400")], secondsPerFrame: 2);
        int port = TestSupport.FreePort();
        JsonObject config = AgentRun.Config(_dir.File("state"), AgentRun.FixtureModel, new Uri(video).AbsoluteUri, new JsonArray(AgentRun.Zone("z1", 0, 0, 1, 1, 8, 3)), port);
        string path = _dir.File("agent.json");
        await File.WriteAllTextAsync(path, config.ToJsonString());
        await using WebApplication app = AgentHost.Build(["--config", path]);

        // The probe's case, which the configuration now refuses: a NaN threshold, set past the checks, makes every detection run throw.
        app.Services.GetRequiredService<AgentSettings>().Model.Confidence = float.NaN;
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(20) };
        HttpStatusCode status = HttpStatusCode.OK;
        JsonObject body = null!;
        Assert.True(await TestSupport.WaitFor(() =>
        {
            using HttpResponseMessage response = http.GetAsync("/healthz").GetAwaiter().GetResult();
            status = response.StatusCode;
            body = response.Content.ReadFromJsonAsync<JsonObject>().GetAwaiter().GetResult()!;
            return status != HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(60)), "/healthz kept answering ok while every detection round failed");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.StartsWith("detector failing every round (ArgumentException: confidence must be between 0 and 1", body["status"]!.GetValue<string>(), StringComparison.Ordinal);
        await app.StopAsync();
    }
}
