using System.Net;
using System.Net.Sockets;

namespace EdgeInventory.Testing;

/// <summary>
/// Forwards loopback TCP connections to a target port. <see cref="CutAll"/> drops every open connection
/// abruptly (no MQTT DISCONNECT reaches the broker), as a failing uplink would.
/// </summary>
public sealed class TcpRelay : IDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly int targetPort;
    private readonly CancellationTokenSource stop = new();
    private readonly List<(TcpClient A, TcpClient B)> open = [];
    private readonly Lock gate = new();

    public TcpRelay(int targetPort)
    {
        this.targetPort = targetPort;
        listener.Start();
        _ = AcceptLoop();
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    /// <summary>
    /// While true the uplink is down: open connections are cut (<see cref="CutAll"/>) and new ones are closed as soon as
    /// they are accepted, as a device that lost its network sees it. Set false to bring it back.
    /// </summary>
    public bool Down
    {
        get => down;
        set
        {
            down = value;
            if (value)
            {
                CutAll();
            }
        }
    }

    private volatile bool down;

    private async Task AcceptLoop()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient inbound;
            try
            {
                inbound = await listener.AcceptTcpClientAsync(stop.Token);
            }
            catch (Exception)
            {
                return;
            }
            if (down)
            {
                Abort(inbound);
                continue;
            }
            var outbound = new TcpClient();
            try
            {
                await outbound.ConnectAsync(IPAddress.Loopback, targetPort);
            }
            catch (SocketException)
            {
                inbound.Dispose();
                outbound.Dispose();
                continue;
            }
            lock (gate)
            {
                open.Add((inbound, outbound));
            }
            _ = Pump(inbound, outbound);
            _ = Pump(outbound, inbound);
        }
    }

    private static async Task Pump(TcpClient from, TcpClient to)
    {
        try
        {
            await from.GetStream().CopyToAsync(to.GetStream());
        }
        catch (Exception)
        {
        }
        from.Dispose();
        to.Dispose();
    }

    public void CutAll()
    {
        lock (gate)
        {
            foreach ((TcpClient a, TcpClient b) in open)
            {
                Abort(a);
                Abort(b);
            }
            open.Clear();
        }
    }

    /// <summary>Closes with RST, not a graceful FIN. A pump that ended has disposed the client already (Client is then null).</summary>
    private static void Abort(TcpClient client)
    {
        try
        {
            if (client.Client is { } socket)
            {
                socket.LingerState = new LingerOption(true, 0);
            }
        }
        catch (ObjectDisposedException)
        {
            // closed by its pump between the check and the call
        }

        client.Dispose();
    }

    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
        CutAll();
        stop.Dispose();
    }
}
