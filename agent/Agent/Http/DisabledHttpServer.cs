using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;

namespace EdgeInventory.Agent.Http;

/// <summary>
/// The server of an agent whose endpoint is off (<c>Agent:Http:Enabled: false</c>): it accepts no connection and
/// binds nothing. In its place Kestrel with no endpoint configured would listen on ASP.NET Core's default
/// <c>http://localhost:5000</c>, and a second agent on the device would die at start on the address in use.
/// </summary>
internal sealed class DisabledHttpServer : IServer
{
    public IFeatureCollection Features { get; } = new FeatureCollection();

    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
        where TContext : notnull => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
    }
}
