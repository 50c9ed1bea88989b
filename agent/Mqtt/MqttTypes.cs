namespace EdgeInventory.Mqtt;

public enum MqttConnectionState
{
    Disconnected,
    Connecting,
    Connected,
    Stopped,
}

/// <summary>A change of connection state; <see cref="Error"/> says why a connection failed or ended.</summary>
public sealed record MqttConnectionEvent(MqttConnectionState State, DateTimeOffset At, MqttException? Error, TimeSpan? RetryIn = null);

/// <summary>
/// An inbound message. With <see cref="MqttConnectionOptions.ManualAcknowledgement"/> a QoS 1 message is acknowledged
/// to the broker only by <see cref="AcknowledgeAsync"/>; otherwise it was acknowledged on arrival and the call does nothing.
/// </summary>
public sealed record MqttMessage(string Topic, byte[] Payload, int Qos, bool Retain)
{
    internal InboundAcknowledgement? Acknowledgement { get; init; }

    /// <summary>
    /// Tells the broker the message is taken care of: call it once what the message changes is stored. PUBACKs go out
    /// in the order the messages arrived (MQTT 5 §4.6), so an earlier unacknowledged message holds back later ones.
    /// After the connection it came on ended this does nothing: the broker delivers the message again.
    /// </summary>
    public Task AcknowledgeAsync(CancellationToken cancellationToken = default) =>
        Acknowledgement?.AcknowledgeAsync(cancellationToken) ?? Task.CompletedTask;
}

/// <summary>A broker's acknowledgement of a publish: the packet id and the PUBACK reason code (0, or 16 "no matching subscribers").</summary>
public readonly record struct MqttPublishAck(int MessageId, int ReasonCode);
