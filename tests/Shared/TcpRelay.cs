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
                a.Client.LingerState = new LingerOption(true, 0); // RST, not a graceful FIN
                b.Client.LingerState = new LingerOption(true, 0);
                a.Dispose();
                b.Dispose();
            }
            open.Clear();
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
        CutAll();
        stop.Dispose();
    }
}
