using System.Net;
using System.Net.Sockets;
using EdgeInventory.Testing;

namespace EdgeInventory.Mqtt.Tests;

/// <summary>The test relay itself: it must survive connections its pumps already closed.</summary>
public sealed class TcpRelayTests
{
    [Fact]
    public async Task Cutting_after_the_far_side_closed_does_not_throw()
    {
        // Regression: CutAll touched TcpClient.Client after a finished pump had disposed the client
        // (Client is null then), failing a last-will test at random in CI.
        var target = new TcpListener(IPAddress.Loopback, 0);
        target.Start();
        int port = ((IPEndPoint)target.LocalEndpoint).Port;
        var relay = new TcpRelay(port);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, relay.Port);
        using (TcpClient accepted = await target.AcceptTcpClientAsync())
        {
            // the far side closes at once: both pumps end and dispose their clients
        }

        byte[] buffer = new byte[1];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        int read = await client.GetStream().ReadAsync(buffer, timeout.Token);
        Assert.Equal(0, read);
        await Task.Delay(100);
        relay.CutAll();
        relay.Dispose();
        target.Stop();
    }
}
