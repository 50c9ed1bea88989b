namespace EdgeInventory.Mqtt;

public enum MqttProtocol
{
    /// <summary>MQTT 5: PUBACK carries a reason code, so a refused publish (e.g. 135 not authorised) is seen.</summary>
    V5,

    /// <summary>
    /// MQTT 3.1.1, for old brokers only. Weaker guarantee: a broker that refuses a QoS 1 publish (ACL)
    /// still answers with a plain PUBACK, so the refusal is indistinguishable from delivery.
    /// </summary>
    V311,
}

public sealed record MqttWill(string Topic, byte[] Payload, int Qos = 1, bool Retain = true);

public sealed class MqttTlsOptions
{
    /// <summary>PEM file of the CA(s) that sign the broker's certificate.</summary>
    public string? CaFile { get; set; }

    /// <summary>Directory of CA certificates (PEM files, e.g. the c_rehash layout); every certificate in it is trusted.</summary>
    public string? CaPath { get; set; }

    /// <summary>Trust the operating system's CA store (alone or beside <see cref="CaFile"/>).</summary>
    public bool UseOsTrustStore { get; set; }

    /// <summary>Client certificate and key (PEM) for brokers that require mutual TLS; both or neither.</summary>
    public string? CertFile { get; set; }

    public string? KeyFile { get; set; }

    /// <summary>Only for a lab: skips the host name check. The chain is still verified.</summary>
    public bool AllowHostnameMismatch { get; set; }
}

/// <summary>Connection settings of a <see cref="MqttConnection"/>; checked by <see cref="Validate"/> at start.</summary>
public sealed class MqttConnectionOptions
{
    public string Host { get; set; } = "localhost";

    public int Port { get; set; } = 1883;

    /// <summary>MQTT client id; one live connection per id (the broker drops the older one).</summary>
    public string ClientId { get; set; } = "";

    public string? Username { get; set; }

    public string? Password { get; set; }

    public MqttProtocol Protocol { get; set; } = MqttProtocol.V5;

    /// <summary>
    /// Zero (the default): a clean session, the broker forgets the client when it goes. Above zero: a persistent
    /// session — a stable <see cref="ClientId"/> connects with clean start off (MQTT 5, with this session expiry;
    /// MQTT 3.1.1: clean session off, the broker's own expiry), so the broker keeps the subscriptions and queues
    /// QoS 1 messages while the client is away, and resends those it delivered but saw no PUBACK for.
    /// </summary>
    public TimeSpan SessionExpiry { get; set; }

    /// <summary>
    /// False (the default): a QoS 1 message is acknowledged once it is in <see cref="MqttConnection.Messages"/>.
    /// True: only when the reader calls <see cref="MqttMessage.AcknowledgeAsync"/>, after it has stored the message;
    /// one not acknowledged before the connection ends is delivered again (with a persistent session).
    /// </summary>
    public bool ManualAcknowledgement { get; set; }

    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Reconnect backoff: starts at <see cref="ReconnectDelayMin"/>, doubles per failure up to the max, ±20% jitter.</summary>
    public TimeSpan ReconnectDelayMin { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectDelayMax { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>A connect attempt with no CONNACK after this long is abandoned and retried.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>QoS 1 publishes awaiting PUBACK at once; the broker's receive maximum (CONNACK) caps it further.</summary>
    public int MaxInflight { get; set; } = 100;

    /// <summary>Inbound messages waiting for the reader. When full, receiving waits (the broker's in-flight limit then holds the rest).</summary>
    public int InboundCapacity { get; set; } = 10_000;

    public MqttTlsOptions? Tls { get; set; }

    public MqttWill? Will { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate(string section = "Mqtt")
    {
        static void Fail(string message) => throw new ArgumentException(message);
        if (string.IsNullOrWhiteSpace(Host)) Fail($"{section}:Host is empty");
        if (Port is < 1 or > 65535) Fail($"{section}:Port {Port} is outside 1..65535");
        if (string.IsNullOrEmpty(ClientId) || ClientId.Length > 128 || ClientId.Any(c => c is '/' or '+' or '#' || char.IsControl(c)))
        {
            Fail($"{section}:ClientId '{ClientId}' must be 1..128 characters without '/', '+', '#' or control characters");
        }
        if (SessionExpiry < TimeSpan.Zero || SessionExpiry.TotalSeconds >= uint.MaxValue) Fail($"{section}:SessionExpiry {SessionExpiry} is outside 0..{TimeSpan.FromSeconds(uint.MaxValue - 1)}");
        if (Password is not null && Username is null) Fail($"{section}:Password is set without {section}:Username");
        if (KeepAlive < TimeSpan.FromSeconds(5) || KeepAlive > TimeSpan.FromHours(18)) Fail($"{section}:KeepAlive {KeepAlive} is outside 5 s..18 h");
        if (ReconnectDelayMin <= TimeSpan.Zero) Fail($"{section}:ReconnectDelayMin must be positive");
        if (ReconnectDelayMax < ReconnectDelayMin) Fail($"{section}:ReconnectDelayMax is below ReconnectDelayMin");
        if (ConnectTimeout <= TimeSpan.Zero) Fail($"{section}:ConnectTimeout must be positive");
        if (MaxInflight is < 1 or > 65535) Fail($"{section}:MaxInflight {MaxInflight} is outside 1..65535");
        if (InboundCapacity < 1) Fail($"{section}:InboundCapacity must be at least 1");
        if (Will is { } will)
        {
            if (string.IsNullOrEmpty(will.Topic) || will.Topic.AsSpan().IndexOfAny('+', '#') >= 0) Fail($"{section}:Will:Topic '{will.Topic}' is not a publish topic");
            if (will.Qos is < 0 or > 1) Fail($"{section}:Will:Qos {will.Qos} is not 0 or 1");
        }
        if (Tls is { } tls)
        {
            if (tls.CaFile is null && tls.CaPath is null && !tls.UseOsTrustStore)
            {
                Fail($"{section}:Tls needs CaFile, CaPath or UseOsTrustStore");
            }
            if (tls.CaFile is not null && !File.Exists(tls.CaFile)) Fail($"{section}:Tls:CaFile '{tls.CaFile}' does not exist");
            if (tls.CaPath is not null && !Directory.Exists(tls.CaPath)) Fail($"{section}:Tls:CaPath '{tls.CaPath}' does not exist");
            if ((tls.CertFile is null) != (tls.KeyFile is null)) Fail($"{section}:Tls:CertFile and {section}:Tls:KeyFile go together");
            if (tls.CertFile is not null && !File.Exists(tls.CertFile)) Fail($"{section}:Tls:CertFile '{tls.CertFile}' does not exist");
            if (tls.KeyFile is not null && !File.Exists(tls.KeyFile)) Fail($"{section}:Tls:KeyFile '{tls.KeyFile}' does not exist");
        }
    }
}
