namespace EdgeInventory.Mqtt;

public enum MqttConnectionState
{
    Disconnected,
    Connecting,
    Connected,
    Stopped,
}

/// <summary>A change of connection state; <see cref="Error"/> says why a connection failed or ended.</summary>
public sealed record MqttConnectionEvent(MqttConnectionState State, DateTimeOffset At, MosquittoException? Error, TimeSpan? RetryIn = null);

/// <summary>An inbound message, copied out of libmosquitto's buffers.</summary>
public sealed record MqttMessage(string Topic, byte[] Payload, int Qos, bool Retain);

/// <summary>A broker's acknowledgement of a publish: the message id and the PUBACK reason code (0, or 16 "no matching subscribers").</summary>
public readonly record struct MqttPublishAck(int MessageId, int ReasonCode);
