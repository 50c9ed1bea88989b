using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using EdgeInventory.Tests.Shared;

namespace EdgeInventory.Agent.Tests.Agent;

/// <summary>
/// The local endpoint as the device sees it, with the agent as its own process: with <c>Agent:Http:Enabled: false</c>
/// nothing listens (it used to bind ASP.NET Core's default 127.0.0.1:5000 and [::1]:5000, so a second agent died at
/// start), a port in use is one line naming the key and exit code 2, and a refused body is one warning line.
/// </summary>
public sealed class HttpEndpointProcessTests : IDisposable
{
    private readonly TempFolder _dir = RepoPaths.NewTempFolder();

    [Fact]
    public async Task With_the_endpoint_disabled_the_agent_listens_on_no_port()
    {
        int port = TestSupport.FreePort();
        JsonObject config = Config(port);
        config["Agent"]!["Http"]!["Enabled"] = false;
        using AgentProcess agent = AgentProcess.Start(Write(config));
        Assert.True(await agent.WaitUntilStarted(), "the agent did not report that it started");
        Assert.False(agent.HasExited, "the agent stopped: " + string.Join('\n', agent.Stdout.Concat(agent.Stderr)));

        Assert.Empty(agent.ListeningPorts());
        Assert.False(Accepts(port), $"something accepts connections on the configured port {port}");
    }

    [Fact]
    public async Task The_listening_sockets_check_sees_the_enabled_endpoint()
    {
        // The check above must be able to fail: with the endpoint on, it finds exactly the configured port.
        int port = TestSupport.FreePort();
        using AgentProcess agent = AgentProcess.Start(Write(Config(port)));
        Assert.True(await agent.WaitUntilStarted(), "the agent did not report that it started");
        Assert.Equal([port], agent.ListeningPorts());
    }

    [Fact]
    public void A_port_in_use_stops_the_agent_with_one_line_naming_the_key()
    {
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        int port = ((IPEndPoint)occupant.LocalEndpoint).Port;
        using AgentProcess agent = AgentProcess.Start(Write(Config(port)));

        Assert.True(agent.WaitForExit(), "the agent did not stop");
        Assert.Equal(2, agent.ExitCode);
        string line = Assert.Single(agent.Stderr, static l => l.Length > 0);
        Assert.StartsWith($"edgeinv agent: Agent:Http:Port: cannot listen on 127.0.0.1:{port}: the address is in use", line);
        Assert.DoesNotContain(agent.Stdout, static l => l.Contains(" fail: ", StringComparison.Ordinal) || l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_body_over_the_server_limit_is_refused_with_one_warning()
    {
        int port = TestSupport.FreePort();
        using AgentProcess agent = AgentProcess.Start(Write(Config(port)));
        Assert.True(await agent.WaitUntilStarted(), "the agent did not report that it started");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(20) };

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/scanner-counts") { Content = new ByteArrayContent(new byte[100 * 1024]) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AgentRun.ScannerKey);
        using HttpResponseMessage response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);

        string metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains("edgeinv_scanner_counts_total{result=\"invalid\"} 1", metrics, StringComparison.Ordinal);
        Assert.True(await TestSupport.WaitFor(() => agent.Stdout.Any(static l => l.Contains("refused with 413", StringComparison.Ordinal)), TimeSpan.FromSeconds(10)));
        Assert.Single(agent.Stdout, static l => l.Contains(" warn: ", StringComparison.Ordinal) && l.Contains("scanner count post", StringComparison.Ordinal));
        Assert.DoesNotContain(agent.Stdout, static l => l.Contains(" fail: ", StringComparison.Ordinal) || l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_body_that_stops_arriving_is_refused_with_one_warning()
    {
        int port = TestSupport.FreePort();
        using AgentProcess agent = AgentProcess.Start(Write(Config(port)));
        Assert.True(await agent.WaitUntilStarted(), "the agent did not report that it started");

        // A tenth of the declared body, then nothing: Kestrel's minimum body data rate (240 B/s after a 5 s grace) ends the read.
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        NetworkStream stream = client.GetStream();
        string head = $"POST /v1/scanner-counts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {AgentRun.ScannerKey}\r\nContent-Type: application/json\r\nContent-Length: 2000\r\n\r\n{{\"schema\":";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(head));
        stream.ReadTimeout = 60_000;
        using var reader = new StreamReader(stream, System.Text.Encoding.ASCII);
        string? status = await reader.ReadLineAsync();
        Assert.Equal("HTTP/1.1 408 Request Timeout", status);

        Assert.True(await TestSupport.WaitFor(() => agent.Stdout.Any(static l => l.Contains("refused with 408", StringComparison.Ordinal)), TimeSpan.FromSeconds(10)));
        Assert.Single(agent.Stdout, static l => l.Contains(" warn: ", StringComparison.Ordinal) && l.Contains("scanner count post", StringComparison.Ordinal));
        Assert.DoesNotContain(agent.Stdout, static l => l.Contains(" fail: ", StringComparison.Ordinal) || l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    public void Dispose() => _dir.Dispose();

    private JsonObject Config(int port)
    {
        string video = TestSupport.MakeVideo(_dir.Path, "shelf", [SamplePhotos.Load("shelf_val_400")], secondsPerFrame: 2);
        JsonObject config = AgentRun.Config(_dir.File("state"), AgentRun.FixtureModel, new Uri(video).AbsoluteUri, new JsonArray(AgentRun.Zone("z1", 0, 0, 1, 1, 8, 3)), port);
        // The host's "Application started" line tells the test when start-up is over.
        config["Logging"]!["LogLevel"]!["Microsoft.Hosting.Lifetime"] = "Information";
        return config;
    }

    private string Write(JsonObject config)
    {
        string path = _dir.File("agent.json");
        File.WriteAllText(path, config.ToJsonString());
        return path;
    }

    private static bool Accepts(int port)
    {
        using var client = new TcpClient();
        try
        {
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
