using System.Text;
using EdgeInventory.Testing;

namespace EdgeInventory.Mqtt.Tests;

/// <summary>
/// Issue 15, item 6: with the deployment ACL (tools/broker/acl, an <c>acl_file</c>), mosquitto 2.0 grants a store's
/// credentials any subscription, <c>#</c> and <c>edgeinv/#</c> included (SUBACK 0): the file's read rules are
/// checked per message at delivery, never at SUBSCRIBE. What matters is what arrives: nothing but the store's own
/// commands, retained messages included. tools/broker/README.md says so under "Known limits".
/// </summary>
public sealed class StoreWildcardSubscriptionTests : IDisposable
{
    private readonly MosquittoBroker broker = Broker.Start();

    public void Dispose() => broker.Dispose();

    [Theory]
    [InlineData("#")]
    [InlineData("edgeinv/#")]
    [InlineData("edgeinv/+/+/+")]
    [InlineData("edgeinv/s043/#")]
    [InlineData("edgeinv/cmd/+/expected-stock")]
    public async Task A_stores_wildcard_subscription_is_granted_but_delivers_nothing_foreign(string filter)
    {
        using var cloud = new MqttConnection(Broker.Options(broker.Port, "cloud"));
        using var other = new MqttConnection(Broker.Options(broker.Port, "s043"));
        await cloud.WaitConnectedAsync().WaitAsync(Broker.Patience);
        await other.WaitConnectedAsync().WaitAsync(Broker.Patience);
        // Retained before the subscription: sent at SUBSCRIBE if the broker let them through.
        await other.PublishAsync("edgeinv/s043/edge-01/status", "retained, s043's"u8, retain: true).WaitAsync(Broker.Patience);
        await cloud.PublishAsync("edgeinv/cmd/s043/expected-stock", "retained, s043's command"u8, retain: true).WaitAsync(Broker.Patience);
        await cloud.PublishAsync("edgeinv/alerts/s043", "retained, an alert"u8, retain: true).WaitAsync(Broker.Patience);

        using var store = new MqttConnection(Broker.Options(broker.Port, "s042"));
        await store.WaitConnectedAsync().WaitAsync(Broker.Patience);
        // Granted: SubscribeAsync throws on a SUBACK reason code of 0x80 or more.
        await store.SubscribeAsync(filter).WaitAsync(Broker.Patience);
        // The store's own publishes are not readable by it either (write-only under edgeinv/s042/#).
        await store.PublishAsync("edgeinv/s042/edge-01/discrepancy", "own event"u8).WaitAsync(Broker.Patience);
        await other.PublishAsync("edgeinv/s043/edge-01/discrepancy", "s043's event"u8).WaitAsync(Broker.Patience);
        await cloud.PublishAsync("edgeinv/cmd/s043/expected-stock", "s043's command"u8).WaitAsync(Broker.Patience);
        await cloud.PublishAsync("edgeinv/alerts/s042", "an alert"u8).WaitAsync(Broker.Patience);
        // Published after every foreign one (each acknowledged, so already routed): the first message the store sees
        // is this sentinel on its own command topic when its filter matches it, or nothing at all.
        await cloud.PublishAsync("edgeinv/cmd/s042/expected-stock", "yours"u8).WaitAsync(Broker.Patience);

        bool matchesOwnCommands = filter is "#" or "edgeinv/#" or "edgeinv/+/+/+" or "edgeinv/cmd/+/expected-stock";
        if (matchesOwnCommands)
        {
            MqttMessage first = await Broker.NextMessage(store);
            Assert.Equal(("edgeinv/cmd/s042/expected-stock", "yours"), (first.Topic, Encoding.UTF8.GetString(first.Payload)));
        }
        else
        {
            // A filter only over another store's topics: a sentinel of the cloud's on one of them must not arrive either,
            // and the store's command subscription (same connection) proves delivery is working.
            await store.SubscribeAsync("edgeinv/cmd/s042/#").WaitAsync(Broker.Patience);
            await cloud.PublishAsync("edgeinv/cmd/s042/expected-stock", "yours, later"u8).WaitAsync(Broker.Patience);
            MqttMessage first = await Broker.NextMessage(store);
            Assert.Equal(("edgeinv/cmd/s042/expected-stock", "yours, later"), (first.Topic, Encoding.UTF8.GetString(first.Payload)));
        }

        Assert.False(store.Messages.TryRead(out MqttMessage? extra), $"unexpected delivery on '{extra?.Topic}'");
    }
}
