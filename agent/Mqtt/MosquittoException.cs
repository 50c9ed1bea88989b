using System.Runtime.InteropServices;
using EdgeInventory.Mqtt.Native;

namespace EdgeInventory.Mqtt;

/// <summary>
/// A libmosquitto error (<see cref="ErrorCode"/>, a <c>mosq_err_t</c>) or an MQTT 5 reason code from the broker
/// (<see cref="ReasonCode"/>, e.g. 135 not authorised), with the library's own words in the message.
/// </summary>
public sealed class MosquittoException : Exception
{
    public MosquittoException()
    {
    }

    public MosquittoException(string message) : base(message)
    {
    }

    public MosquittoException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public MosquittoException(string message, int errorCode, int? reasonCode = null) : base(message)
    {
        ErrorCode = errorCode;
        ReasonCode = reasonCode;
    }

    /// <summary>The <c>mosq_err_t</c> value; 0 when the failure is a broker reason code.</summary>
    public int ErrorCode { get; }

    /// <summary>The MQTT 5 reason code the broker sent (CONNACK or PUBACK), when there was one.</summary>
    public int? ReasonCode { get; }

    /// <summary>True for failures that a retry cannot fix without a change of configuration.</summary>
    public bool IsConfigurationError => ErrorCode is LibMosquitto.MOSQ_ERR_AUTH or LibMosquitto.MOSQ_ERR_TLS or LibMosquitto.MOSQ_ERR_TLS_HANDSHAKE
        or LibMosquitto.MOSQ_ERR_ACL_DENIED or LibMosquitto.MOSQ_ERR_NOT_SUPPORTED or LibMosquitto.MOSQ_ERR_INVAL
        || ReasonCode is 133 or 134 or 135 or 138 or 140;

    internal static unsafe string Describe(int errorCode) =>
        Marshal.PtrToStringUTF8((nint)LibMosquitto.mosquitto_strerror(errorCode)) ?? $"error {errorCode}";

    internal static unsafe string DescribeReason(int reasonCode) =>
        Marshal.PtrToStringUTF8((nint)LibMosquitto.mosquitto_reason_string(reasonCode)) ?? $"reason {reasonCode}";

    internal static MosquittoException FromError(string operation, int errorCode, string? detail = null)
    {
        string errno = errorCode == LibMosquitto.MOSQ_ERR_ERRNO ? $" ({Marshal.GetLastPInvokeErrorMessage()})" : "";
        string more = string.IsNullOrEmpty(detail) ? "" : $"; {detail}";
        return new MosquittoException($"{operation}: {Describe(errorCode)} (mosq_err_t {errorCode}){errno}{more}", errorCode);
    }

    internal static MosquittoException FromReason(string operation, int reasonCode) =>
        new($"{operation}: broker answered {DescribeReason(reasonCode)} (reason code {reasonCode})", 0, reasonCode);
}
