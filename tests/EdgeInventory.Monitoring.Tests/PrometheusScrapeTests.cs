using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using EdgeInventory.Cloud.Hosting;
using EdgeInventory.Cloud.Tests;

namespace EdgeInventory.Monitoring.Tests;

/// <summary>Debian's real prometheus scrapes an aggregator started in this process and answers through its HTTP API.</summary>
public sealed class PrometheusScrapeTests
{
    [Fact]
    public async Task PrometheusReadsTheAggregatorsBrokerConnectedGauge()
    {
        await using CloudTestSystem system = await CloudTestSystem.StartAsync();
        Uri aggregator = CloudHost.Address(system.App);
        string folder = Directory.CreateTempSubdirectory("edgeinv-prometheus-test-").FullName;
        int port = FreePort();
        string config = Path.Combine(folder, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: edgeinv-cloud
                static_configs:
                  - targets: ['{aggregator.Authority}']
            """);

        var psi = new ProcessStartInfo("prometheus",
            [$"--config.file={config}", $"--web.listen-address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", $"--storage.tsdb.path={Path.Combine(folder, "data")}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using Process prometheus = Process.Start(psi) ?? throw new InvalidOperationException("prometheus did not start");
        var log = new System.Text.StringBuilder();
        prometheus.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        prometheus.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        prometheus.BeginOutputReadLine();
        prometheus.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/"), Timeout = TimeSpan.FromSeconds(5) };
            string? value = null;
            var clock = Stopwatch.StartNew();
            while (value != "1" && clock.Elapsed < TimeSpan.FromSeconds(60) && !prometheus.HasExited)
            {
                value = await QueryAsync(http, "edgeinv_cloud_broker_connected{job=\"edgeinv-cloud\"}");
                if (value != "1")
                {
                    await Task.Delay(500);
                }
            }
            string output;
            lock (log)
            {
                output = log.ToString();
            }
            Assert.True(value == "1", $"edgeinv_cloud_broker_connected read back as '{value ?? "nothing"}'; prometheus said:\n{output}");
            Assert.Equal("1", await QueryAsync(http, "up{job=\"edgeinv-cloud\"}"));
        }
        finally
        {
            if (!prometheus.HasExited)
            {
                prometheus.Kill();
                await prometheus.WaitForExitAsync();
            }
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The first sample's value of an instant query, or null while Prometheus is not ready or has none.</summary>
    private static async Task<string?> QueryAsync(HttpClient http, string query)
    {
        try
        {
            using HttpResponseMessage response = await http.GetAsync(new Uri("api/v1/query?query=" + Uri.EscapeDataString(query), UriKind.Relative));
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }
            using JsonDocument doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            JsonElement result = doc.RootElement.GetProperty("data").GetProperty("result");
            return result.GetArrayLength() == 0 ? null : result[0].GetProperty("value")[1].GetString();
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
