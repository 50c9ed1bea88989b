using System.Diagnostics;
using System.Text;
using EdgeInventory.Testing;

namespace EdgeInventory.Mqtt.Tests;

public sealed class MqttConnectionTests : IDisposable
{
    private readonly MosquittoBroker broker = Broker.Start();

    public void Dispose() => broker.Dispose();

    [Fact]
    public async Task Connection_events_are_dated_by_the_clock_the_connection_is_given()
    {
        var at = new DateTimeOffset(2026, 3, 1, 8, 30, 0, TimeSpan.Zero);
        using var store = new MqttConnection(Broker.Options(broker.Port, "s042"), clock: new FixedClock(at));
        MqttConnectionEvent connected = await Broker.NextEvent(store, e => e.State == MqttConnectionState.Connected);
        Assert.Equal(at, connected.At);
    }


    [Fact]
    public async Task Publishes_qos1_with_a_puback_and_a_subscriber_receives_the_message()
    {
        using var cloud = new MqttConnection(Broker.Options(broker.Port, "cloud"));
        await cloud.WaitConnectedAsync().WaitAsync(Broker.Patience);
        await cloud.SubscribeAsync("edgeinv/+/+/discrepancy");

        using var store = new MqttConnection(Broker.Options(broker.Port, "s042"));
        await store.WaitConnectedAsync().WaitAsync(Broker.Patience);
        MqttPublishAck ack = await store.PublishAsync("edgeinv/s042/edge-01/discrepancy", "{\"n\":1}"u8).WaitAsync(Broker.Patience);
        Assert.True(ack.MessageId > 0);
        Assert.True(ack.ReasonCode is 0 or 16);

        MqttMessage received = await Broker.NextMessage(cloud);
        Assert.Equal("edgeinv/s042/edge-01/discrepancy", received.Topic);
        Assert.Equal("{\"n\":1}", Encoding.UTF8.GetString(received.Payload));
        Assert.Equal(1, received.Qos);
    }

    [Fact]
    public async Task A_store_publishing_to_another_stores_topic_is_refused_with_reason_135_and_nothing_arrives()
    {
        using var cloud = new MqttConnection(Broker.Options(broker.Port, "cloud"));
        await cloud.WaitConnectedAsync().WaitAsync(Broker.Patience);
        await cloud.SubscribeAsync("edgeinv/#");

        using var store = new MqttConnection(Broker.Options(broker.Port, "s042"));
        await store.WaitConnectedAsync().WaitAsync(Broker.Patience);
        MqttException refused = await Assert.ThrowsAsync<MqttException>(
            () => store.PublishAsync("edgeinv/s043/edge-01/discrepancy", "forged"u8).WaitAsync(Broker.Patience));
        Assert.Equal(135, refused.ReasonCode);
        Assert.Contains("edgeinv/s043/edge-01/discrepancy", refused.Message, StringComparison.Ordinal);
        Assert.True(refused.IsConfigurationError);

        // Same connection, same order: once the allowed sentinel arrives, the forged message would have too.
        await store.PublishAsync("edgeinv/s042/edge-01/discrepancy", "sentinel"u8).WaitAsync(Broker.Patience);
        MqttMessage first = await Broker.NextMessage(cloud);
        Assert.Equal("edgeinv/s042/edge-01/discrepancy", first.Topic);
        Assert.Equal("sentinel", Encoding.UTF8.GetString(first.Payload));
        Assert.Equal(MqttConnectionState.Connected, store.State);
    }

    [Fact]
    public async Task Under_mqtt_311_the_same_refusal_is_silent_which_is_why_v5_is_the_default()
    {
        MqttConnectionOptions options = Broker.Options(broker.Port, "s042");
        options.Protocol = MqttProtocol.V311;
        using var store = new MqttConnection(options);
        await store.WaitConnectedAsync().WaitAsync(Broker.Patience);
        MqttPublishAck ack = await store.PublishAsync("edgeinv/s043/edge-01/discrepancy", "forged"u8).WaitAsync(Broker.Patience);
        Assert.Equal(0, ack.ReasonCode);
    }

    [Fact]
    public async Task A_store_cannot_subscribe_to_another_stores_commands()
    {
        using var store = new MqttConnection(Broker.Options(broker.Port, "s042"));
        await store.WaitConnectedAsync().WaitAsync(Broker.Patience);
        await store.SubscribeAsync("edgeinv/cmd/s042/#").WaitAsync(Broker.Patience);

        using var cloud = new MqttConnection(Broker.Options(broker.Port, "cloud"));
        await cloud.WaitConnectedAsync().WaitAsync(Broker.Patience);
        await cloud.PublishAsync("edgeinv/cmd/s043/expected-stock", "not yours"u8).WaitAsync(Broker.Patience);
        await cloud.PublishAsync("edgeinv/cmd/s042/expected-stock", "yours"u8).WaitAsync(Broker.Patience);
        // s042 may not read s043's commands even through a wildcard: the first message it sees is its own.
        using var wildcard = new MqttConnection(Broker.Options(broker.Port, "s042"));
        await wildcard.WaitConnectedAsync().WaitAsync(Broker.Patience);
        await wildcard.SubscribeAsync("edgeinv/cmd/#").WaitAsync(Broker.Patience);
        await cloud.PublishAsync("edgeinv/cmd/s043/expected-stock", "not yours"u8).WaitAsync(Broker.Patience);
        await cloud.PublishAsync("edgeinv/cmd/s042/expected-stock", "yours"u8).WaitAsync(Broker.Patience);
        Assert.Equal("yours", Encoding.UTF8.GetString((await Broker.NextMessage(store)).Payload));
        Assert.Equal("yours", Encoding.UTF8.GetString((await Broker.NextMessage(wildcard)).Payload));
    }

    [Fact]
    public async Task A_wrong_password_is_a_clear_error_retried_with_growing_backoff_and_no_crash()
    {
        using var store = new MqttConnection(Broker.Options(broker.Port, "s042", password: "wrong"));
        var failures = new List<MqttConnectionEvent>();
        while (failures.Count < 4)
        {
            failures.Add(await Broker.NextEvent(store, e => e.State == MqttConnectionState.Disconnected));
        }
        MqttException error = failures[0].Error!;
        // mosquitto 2.0.11 answers a bad password with 135 "not authorised" rather than 134.
        Assert.Contains(error.ReasonCode, new int?[] { 134, 135 });
        Assert.Contains("refused by the broker", error.Message, StringComparison.Ordinal);
        Assert.Contains($"reason code {error.ReasonCode}", error.Message, StringComparison.Ordinal);
        Assert.True(error.IsConfigurationError);
        Assert.Contains("refused by the broker", store.LastError!.Message, StringComparison.Ordinal);
        // 50 ms doubling, ±20% jitter: the fourth delay is well above the first.
        Assert.True(failures[3].RetryIn > failures[0].RetryIn * 3, $"{failures[0].RetryIn} → {failures[3].RetryIn}");
        Assert.NotEqual(MqttConnectionState.Connected, store.State);
    }

    [Fact]
    public async Task No_broker_at_all_is_reported_and_retried_until_one_appears()
    {
        int port = MosquittoBroker.FreePort();
        using var store = new MqttConnection(Broker.Options(port, "s042"));
        MqttConnectionEvent failed = await Broker.NextEvent(store, e => e.State == MqttConnectionState.Disconnected);
        Assert.Contains($"127.0.0.1:{port}", failed.Error!.Message, StringComparison.Ordinal);

        using MosquittoBroker late = MosquittoBroker.Start(Broker.Users, port: port);
        await store.WaitConnectedAsync().WaitAsync(Broker.Patience);
    }

    [Fact]
    public async Task Reconnects_after_a_broker_restart_and_delivers_what_was_published_meanwhile()
    {
        using var store = new MqttConnection(Broker.Options(broker.Port, "s042"));
        await store.WaitConnectedAsync().WaitAsync(Broker.Patience);
        await store.SubscribeAsync("edgeinv/cmd/s042/#").WaitAsync(Broker.Patience);

        broker.Stop();
        await Broker.NextEvent(store, e => e.State == MqttConnectionState.Disconnected);
        Task<MqttPublishAck> duringOutage = store.PublishAsync("edgeinv/s042/edge-01/counts", "queued"u8);
        Assert.False(duringOutage.IsCompleted);
        broker.StartProcess();
        await store.WaitConnectedAsync().WaitAsync(Broker.Patience);
        await duringOutage.WaitAsync(Broker.Patience);

        // The subscription was restored on reconnect.
        using var cloud = new MqttConnection(Broker.Options(broker.Port, "cloud"));
        await cloud.WaitConnectedAsync().WaitAsync(Broker.Patience);
        await cloud.PublishAsync("edgeinv/cmd/s042/expected-stock", "after restart"u8).WaitAsync(Broker.Patience);
        Assert.Equal("after restart", Encoding.UTF8.GetString((await Broker.NextMessage(store)).Payload));
    }

    [Fact]
    public async Task The_retained_last_will_announces_a_device_that_vanished()
    {
        using var relay = new TcpRelay(broker.Port);
        MqttConnectionOptions options = Broker.Options(relay.Port, "s042");
        options.Will = new MqttWill("edgeinv/s042/edge-01/status", "offline"u8.ToArray(), Qos: 1, Retain: true);
        using var device = new MqttConnection(options);
        await device.WaitConnectedAsync().WaitAsync(Broker.Patience);
        await device.PublishAsync("edgeinv/s042/edge-01/status", "online"u8, qos: 1, retain: true).WaitAsync(Broker.Patience);

        relay.CutAll();

        // A subscriber that arrives later still learns the device is offline: the will is retained.
        using var cloud = new MqttConnection(Broker.Options(broker.Port, "cloud"));
        await cloud.WaitConnectedAsync().WaitAsync(Broker.Patience);
        var watch = Stopwatch.StartNew();
        while (true)
        {
            await cloud.SubscribeAsync("edgeinv/s042/edge-01/status").WaitAsync(Broker.Patience);
            MqttMessage status = await Broker.NextMessage(cloud);
            Assert.True(status.Retain);
            if (Encoding.UTF8.GetString(status.Payload) == "offline")
            {
                break;
            }
            // The broker may not have noticed the cut yet when we subscribed; ask again.
            Assert.True(watch.Elapsed < Broker.Patience, "the will was never published");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task A_clean_dispose_does_not_trigger_the_will()
    {
        MqttConnectionOptions options = Broker.Options(broker.Port, "s042");
        options.Will = new MqttWill("edgeinv/s042/edge-02/status", "offline"u8.ToArray());
        var device = new MqttConnection(options);
        await device.WaitConnectedAsync().WaitAsync(Broker.Patience);
        await device.PublishAsync("edgeinv/s042/edge-02/status", "shutdown"u8, retain: true).WaitAsync(Broker.Patience);
        device.Dispose();
        Assert.Equal(MqttConnectionState.Stopped, device.State);

        using var cloud = new MqttConnection(Broker.Options(broker.Port, "cloud"));
        await cloud.WaitConnectedAsync().WaitAsync(Broker.Patience);
        await cloud.SubscribeAsync("edgeinv/s042/edge-02/status").WaitAsync(Broker.Patience);
        Assert.Equal("shutdown", Encoding.UTF8.GetString((await Broker.NextMessage(cloud)).Payload));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => device.PublishAsync("x", "y"u8));
    }

    [Theory]
    [InlineData(0, "Mqtt:Port")]
    [InlineData(70000, "Mqtt:Port")]
    public void Bad_options_are_refused_at_construction_naming_the_key(int port, string key)
    {
        MqttConnectionOptions options = Broker.Options(port, "s042");
        ArgumentException e = Assert.Throws<ArgumentException>(() => new MqttConnection(options));
        Assert.Contains(key, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_tls_file_is_refused_at_construction()
    {
        MqttConnectionOptions options = Broker.Options(1883, "s042");
        options.Tls = new MqttTlsOptions { CaFile = "/nonexistent/ca.crt" };
        ArgumentException e = Assert.Throws<ArgumentException>(() => new MqttConnection(options));
        Assert.Contains("Mqtt:Tls:CaFile", e.Message, StringComparison.Ordinal);
    }
}

/// <summary>What MQTTnet leaves to this layer: in-flight bound, persistent sessions, acknowledgement after storing, shared subscriptions.</summary>
public sealed class MqttSessionTests : IDisposable
{
    private readonly MosquittoBroker broker = Broker.Start();

    public void Dispose() => broker.Dispose();

    [Theory]
    [InlineData(500, 100)] // the broker's receive maximum (mosquitto's max_inflight_messages 100) caps the configuration
    [InlineData(20, 20)]
    public async Task Publishes_in_flight_are_bounded_by_the_configuration_and_the_broker_s_receive_maximum(int configured, int expected)
    {
        MqttConnectionOptions options = Broker.Options(broker.Port, "s042");
        options.MaxInflight = configured;
        using var store = new MqttConnection(options);
        await store.WaitConnectedAsync().WaitAsync(Broker.Patience);
        Assert.Equal(expected, store.InFlightLimit);
        // Far more than the bound at once: all are acknowledged, none refused for exceeding the broker's maximum.
        MqttPublishAck[] acks = await Task.WhenAll(Enumerable.Range(0, 2_000).Select(i => store.PublishAsync("edgeinv/s042/edge-01/counts", System.Text.Encoding.UTF8.GetBytes($"{i}")))).WaitAsync(Broker.Patience * 3);
        Assert.All(acks, a => Assert.True(a.ReasonCode is 0 or 16));
        Assert.Equal(MqttConnectionState.Connected, store.State);
    }

    [Fact]
    public async Task A_persistent_session_receives_what_was_published_while_it_was_away()
    {
        MqttConnectionOptions device = Broker.Options(broker.Port, "s042", clientId: "s042-edge-01");
        device.SessionExpiry = TimeSpan.FromHours(1);
        using (var first = new MqttConnection(device))
        {
            await first.WaitConnectedAsync().WaitAsync(Broker.Patience);
            await first.SubscribeAsync("edgeinv/cmd/s042/#").WaitAsync(Broker.Patience);
            Assert.False(first.SessionPresent);
        }

        using (var cloud = new MqttConnection(Broker.Options(broker.Port, "cloud")))
        {
            await cloud.WaitConnectedAsync().WaitAsync(Broker.Patience);
            for (int i = 0; i < 5; i++)
            {
                await cloud.PublishAsync("edgeinv/cmd/s042/expected-stock", System.Text.Encoding.UTF8.GetBytes($"while away {i}")).WaitAsync(Broker.Patience);
            }
        }

        using var back = new MqttConnection(device);
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal($"while away {i}", Encoding.UTF8.GetString((await Broker.NextMessage(back)).Payload));
        }
        Assert.True(back.SessionPresent);

        // A clean session (the default) keeps nothing.
        MqttConnectionOptions clean = Broker.Options(broker.Port, "s042", clientId: "s042-edge-02");
        using (var once = new MqttConnection(clean))
        {
            await once.WaitConnectedAsync().WaitAsync(Broker.Patience);
            await once.SubscribeAsync("edgeinv/cmd/s042/#").WaitAsync(Broker.Patience);
        }
        using (var cloud = new MqttConnection(Broker.Options(broker.Port, "cloud")))
        {
            await cloud.WaitConnectedAsync().WaitAsync(Broker.Patience);
            await cloud.PublishAsync("edgeinv/cmd/s042/expected-stock", "lost"u8).WaitAsync(Broker.Patience);
        }
        using var again = new MqttConnection(clean);
        await again.WaitConnectedAsync().WaitAsync(Broker.Patience);
        Assert.False(again.SessionPresent);
    }

    [Fact]
    public async Task A_message_not_acknowledged_before_the_connection_ends_is_delivered_again_and_acknowledged_ones_are_not()
    {
        MqttConnectionOptions device = Broker.Options(broker.Port, "s042", clientId: "s042-edge-01");
        device.SessionExpiry = TimeSpan.FromHours(1);
        device.ManualAcknowledgement = true;
        using var cloud = new MqttConnection(Broker.Options(broker.Port, "cloud"));
        await cloud.WaitConnectedAsync().WaitAsync(Broker.Patience);

        using (var relay = new TcpRelay(broker.Port))
        {
            MqttConnectionOptions viaRelay = Broker.Options(relay.Port, "s042", clientId: "s042-edge-01");
            viaRelay.SessionExpiry = device.SessionExpiry;
            viaRelay.ManualAcknowledgement = true;
            using var first = new MqttConnection(viaRelay);
            await first.WaitConnectedAsync().WaitAsync(Broker.Patience);
            await first.SubscribeAsync("edgeinv/cmd/s042/#").WaitAsync(Broker.Patience);
            await cloud.PublishAsync("edgeinv/cmd/s042/expected-stock", "stored"u8).WaitAsync(Broker.Patience);
            await cloud.PublishAsync("edgeinv/cmd/s042/expected-stock", "not stored"u8).WaitAsync(Broker.Patience);
            MqttMessage stored = await Broker.NextMessage(first);
            MqttMessage notStored = await Broker.NextMessage(first);
            Assert.Equal("not stored", Encoding.UTF8.GetString(notStored.Payload));
            await stored.AcknowledgeAsync();
            // The broker reads a connection in order: once this publish is acknowledged, it has the PUBACK before it.
            await first.PublishAsync("edgeinv/s042/edge-01/heartbeat", "{}"u8).WaitAsync(Broker.Patience);
            // The device loses power before it stored the second: the connection ends without its PUBACK.
            relay.CutAll();
            await Broker.NextEvent(first, e => e.State == MqttConnectionState.Disconnected);
            // Acknowledging a message of the ended connection does nothing (its packet id is not the new connection's).
            await notStored.AcknowledgeAsync();
        }

        using var back = new MqttConnection(device);
        MqttMessage redelivered = await Broker.NextMessage(back);
        Assert.Equal("not stored", Encoding.UTF8.GetString(redelivered.Payload));
        await redelivered.AcknowledgeAsync();
        // Same publisher, same order: once this sentinel arrives, a redelivery of "stored" would have too.
        await cloud.PublishAsync("edgeinv/cmd/s042/expected-stock", "sentinel"u8).WaitAsync(Broker.Patience);
        Assert.Equal("sentinel", Encoding.UTF8.GetString((await Broker.NextMessage(back)).Payload));
    }

    [Fact]
    public async Task A_shared_subscription_hands_each_message_to_one_member_of_the_group()
    {
        using var a = new MqttConnection(Broker.Options(broker.Port, "cloud"));
        using var b = new MqttConnection(Broker.Options(broker.Port, "cloud"));
        foreach (MqttConnection member in new[] { a, b })
        {
            await member.WaitConnectedAsync().WaitAsync(Broker.Patience);
            await member.SubscribeAsync("$share/aggregators/edgeinv/+/+/discrepancy").WaitAsync(Broker.Patience);
        }
        using var store = new MqttConnection(Broker.Options(broker.Port, "s042"));
        await store.WaitConnectedAsync().WaitAsync(Broker.Patience);
        const int total = 200;
        for (int i = 0; i < total; i++)
        {
            await store.PublishAsync("edgeinv/s042/edge-01/discrepancy", Encoding.UTF8.GetBytes($"{i}")).WaitAsync(Broker.Patience);
        }

        var seen = new HashSet<string>();
        int fromA = 0;
        int fromB = 0;
        using var timeout = new CancellationTokenSource(Broker.Patience);
        while (fromA + fromB < total)
        {
            // WaitToReadAsync consumes nothing: every message is counted by the TryRead loops below.
            await Task.WhenAny(a.Messages.WaitToReadAsync(timeout.Token).AsTask(), b.Messages.WaitToReadAsync(timeout.Token).AsTask()).Unwrap();
            while (a.Messages.TryRead(out MqttMessage? m))
            {
                Assert.True(seen.Add(Encoding.UTF8.GetString(m.Payload)), "a message reached both members");
                fromA++;
            }
            while (b.Messages.TryRead(out MqttMessage? m))
            {
                Assert.True(seen.Add(Encoding.UTF8.GetString(m.Payload)), "a message reached both members");
                fromB++;
            }
        }
        Assert.Equal(total, seen.Count);
        Assert.True(fromA > 0 && fromB > 0, $"one member got all: {fromA} / {fromB}");
    }
}
