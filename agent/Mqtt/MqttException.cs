namespace EdgeInventory.Mqtt;

/// <summary>
/// A failed connection, publish or subscription: the broker's MQTT 5 reason code when it sent one
/// (<see cref="ReasonCode"/>, e.g. 135 not authorised), or what went wrong on the way (socket, TLS, timeout)
/// in the message, with the endpoint or topic it concerns.
/// </summary>
public sealed class MqttException : Exception
{
    public MqttException()
    {
    }

    public MqttException(string message) : base(message)
    {
    }

    public MqttException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public MqttException(string message, int? reasonCode, bool isConfigurationError, Exception? innerException = null)
        : base(message, innerException)
    {
        ReasonCode = reasonCode;
        IsConfigurationError = isConfigurationError || reasonCode is 133 or 134 or 135 or 138 or 140;
    }

    /// <summary>The reason code the broker sent (CONNACK, PUBACK or SUBACK), when there was one.</summary>
    public int? ReasonCode { get; }

    /// <summary>True for failures that a retry cannot fix without a change of configuration (credentials, ACL, TLS).</summary>
    public bool IsConfigurationError { get; }

    internal static MqttException FromReason(string operation, int reasonCode, string? name, string? brokerText = null)
    {
        string said = string.IsNullOrEmpty(brokerText) ? "" : $", \"{brokerText}\"";
        return new MqttException($"{operation}: broker answered {name ?? "reason"} (reason code {reasonCode}{said})", reasonCode, isConfigurationError: false);
    }
}
