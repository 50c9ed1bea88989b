using EdgeInventory.Testing;

namespace EdgeInventory.Mqtt.Tests;

public sealed class MqttTlsTests : IDisposable
{
    private readonly TestCertificates pki = new();

    public void Dispose() => pki.Dispose();

    [Fact]
    public async Task Connects_and_publishes_over_tls_with_the_ca_that_signed_the_broker()
    {
        using MosquittoBroker broker = Broker.Start(new BrokerTls(pki.CaFile, pki.ServerCert, pki.ServerKey));
        MqttConnectionOptions options = Broker.Options(broker.Port, "s042");
        options.Tls = new MqttTlsOptions { CaFile = pki.CaFile };
        using var store = new MqttConnection(options);
        await store.WaitConnectedAsync().WaitAsync(Broker.Patience);
        await store.PublishAsync("edgeinv/s042/edge-01/heartbeat", "{}"u8).WaitAsync(Broker.Patience);
    }

    [Fact]
    public async Task An_expired_broker_certificate_is_a_clear_tls_error_retried_without_a_crash()
    {
        using MosquittoBroker broker = Broker.Start(new BrokerTls(pki.CaFile, pki.ExpiredServerCert, pki.ExpiredServerKey));
        MqttConnectionOptions options = Broker.Options(broker.Port, "s042");
        options.Tls = new MqttTlsOptions { CaFile = pki.CaFile };
        using var store = new MqttConnection(options);
        MqttConnectionEvent first = await Broker.NextEvent(store, e => e.State == MqttConnectionState.Disconnected);
        MqttConnectionEvent second = await Broker.NextEvent(store, e => e.State == MqttConnectionState.Disconnected);
        Assert.Contains("certificate", first.Error!.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("expired at", first.Error.Message, StringComparison.Ordinal);
        Assert.NotNull(second.Error);
    }

    [Fact]
    public async Task A_broker_certificate_from_another_ca_is_refused()
    {
        using MosquittoBroker broker = Broker.Start(new BrokerTls(pki.CaFile, pki.ServerCert, pki.ServerKey));
        MqttConnectionOptions options = Broker.Options(broker.Port, "s042");
        options.Tls = new MqttTlsOptions { CaFile = pki.OtherCaFile };
        using var store = new MqttConnection(options);
        MqttConnectionEvent failed = await Broker.NextEvent(store, e => e.State == MqttConnectionState.Disconnected);
        Assert.Contains("is not signed by a CA in", failed.Error!.Message, StringComparison.Ordinal);
        Assert.NotEqual(MqttConnectionState.Connected, store.State);
    }
}
