using System.Buffers;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Prometheus;

namespace EdgeInventory.Mqtt;

/// <summary>
/// One MQTT connection over MQTTnet 5, kept up until disposed; the one client of the edge agent and the cloud.
/// <list type="bullet">
/// <item>MQTTnet 5 has no managed client: this class's connection loop connects, waits for the connection to end,
/// and connects again after an exponential backoff with ±20% jitter. Every failure is reported
/// (<see cref="ConnectionEvents"/>, the log, <see cref="LastError"/>) with the broker's reason code or, for TLS, what
/// is wrong with the broker's certificate. Subscriptions are made again after every connect.</item>
/// <item>QoS 1 publishes complete on PUBACK; a PUBACK reason code of 128 or more (135: not authorised) fails the
/// task with <see cref="MqttException.ReasonCode"/>. A QoS 1 publish made while disconnected, or whose connection
/// ends before its PUBACK, is sent (again) after the next connect. At most <see cref="InFlightLimit"/> await their
/// PUBACK at once: the configured maximum, lowered to the broker's receive maximum from CONNACK.</item>
/// <item>Inbound messages go to the bounded <see cref="Messages"/> channel in arrival order; with
/// <see cref="MqttConnectionOptions.ManualAcknowledgement"/> the reader acknowledges each after storing it.</item>
/// </list>
/// </summary>
public sealed partial class MqttConnection : IDisposable
{
    private const int SuccessReasonLimit = 0x80;
    private const int SocketBufferBytes = 1 << 20;

    private static readonly Gauge ConnectedGauge = Metrics.CreateGauge("edgeinv_mqtt_connected", "1 while the MQTT client is connected", "client");
    private static readonly Counter ConnectFailuresCounter = Metrics.CreateCounter("edgeinv_mqtt_connect_failures_total", "MQTT connection attempts that failed (refused, TLS, unreachable, timeout)", "client");
    private static readonly Counter DisconnectsCounter = Metrics.CreateCounter("edgeinv_mqtt_connections_lost_total", "MQTT connections that ended without the client asking", "client");
    private static readonly Gauge InFlightGauge = Metrics.CreateGauge("edgeinv_mqtt_publishes_in_flight", "QoS 1 publishes awaiting PUBACK", "client");

    private readonly MqttConnectionOptions options;
    private readonly ILogger logger;
    private readonly TimeProvider clock;
    private readonly IMqttClient client;
    private readonly MqttClientOptions clientOptions;
    private readonly TlsDiagnosis? tls;
    private readonly Channel<MqttMessage> inbound;
    private readonly Channel<MqttConnectionEvent> connectionEvents;
    private readonly InboundAcknowledgements acknowledgements = new();
    private readonly InFlightGate inFlight;
    private readonly CancellationTokenSource stopping = new();
    private readonly Lock gate = new();
    private readonly List<(string Filter, int Qos)> subscriptions = [];
    private readonly Gauge.Child connectedMetric;
    private readonly Counter.Child connectFailuresMetric;
    private readonly Counter.Child disconnectsMetric;
    private readonly Gauge.Child inFlightMetric;
    private readonly Task running;
    private TaskCompletionSource connected = NewSignal();
    private TaskCompletionSource<MqttClientDisconnectedEventArgs> lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile MqttConnectionState state = MqttConnectionState.Disconnected;
    private volatile MqttException? lastError;
    private volatile string? tlsFinding;
    private volatile bool sessionPresent;
    private int connection;
    private int disposed;

    /// <param name="clock">Dates the connection events (the agent passes its one <see cref="TimeProvider"/>).</param>
    public MqttConnection(MqttConnectionOptions options, ILogger<MqttConnection>? logger = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.options = options;
        this.logger = (ILogger?)logger ?? NullLogger.Instance;
        this.clock = clock ?? TimeProvider.System;
        inFlight = new InFlightGate(options.MaxInflight);
        inbound = Channel.CreateBounded<MqttMessage>(new BoundedChannelOptions(options.InboundCapacity)
        {
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        connectionEvents = Channel.CreateBounded<MqttConnectionEvent>(new BoundedChannelOptions(256)
        {
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.DropOldest,
        });
        connectedMetric = ConnectedGauge.WithLabels(options.ClientId);
        connectFailuresMetric = ConnectFailuresCounter.WithLabels(options.ClientId);
        disconnectsMetric = DisconnectsCounter.WithLabels(options.ClientId);
        inFlightMetric = InFlightGauge.WithLabels(options.ClientId);
        if (options.Tls is { } tlsOptions)
        {
            tls = new TlsDiagnosis(tlsOptions, options.Host);
        }
        clientOptions = BuildClientOptions();
        client = new MqttClientFactory().CreateMqttClient(new MqttNetLogForwarder(this.logger));
        client.DisconnectedAsync += OnDisconnectedAsync;
        client.ApplicationMessageReceivedAsync += OnMessageAsync;
        running = Task.Run(RunAsync);
    }

    public MqttConnectionState State => state;

    /// <summary>The last connection failure, kept until the next successful connect.</summary>
    public MqttException? LastError => lastError;

    public string Endpoint => $"{options.Host}:{options.Port}";

    public string ClientId => options.ClientId;

    /// <summary>QoS 1 publishes allowed to await PUBACK at once on this connection: the configured maximum or the broker's receive maximum, whichever is lower.</summary>
    public int InFlightLimit => inFlight.Limit;

    /// <summary>Whether the broker resumed a kept session on the last connect (see <see cref="MqttConnectionOptions.SessionExpiry"/>).</summary>
    public bool SessionPresent => sessionPresent;

    /// <summary>Messages of the subscribed topics, in arrival order. Read it: when it is full, receiving waits.</summary>
    public ChannelReader<MqttMessage> Messages => inbound.Reader;

    /// <summary>Every state change, with the error that caused it (the oldest are dropped if nobody reads).</summary>
    public ChannelReader<MqttConnectionEvent> ConnectionEvents => connectionEvents.Reader;

    /// <summary>Completes when the client is connected (at once if it is).</summary>
    public Task WaitConnectedAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(disposed != 0, this);
        Task signal;
        lock (gate)
        {
            signal = connected.Task;
        }
        return signal.WaitAsync(cancellationToken);
    }

    /// <summary>Publishes a copy of <paramref name="payload"/>; see <see cref="PublishAsync(string, ReadOnlyMemory{byte}, int, bool, CancellationToken)"/>.</summary>
    public Task<MqttPublishAck> PublishAsync(string topic, ReadOnlySpan<byte> payload, int qos = 1, bool retain = false, CancellationToken cancellationToken = default) =>
        PublishAsync(topic, payload.ToArray().AsMemory(), qos, retain, cancellationToken);

    /// <summary>Publishes <paramref name="payload"/> without copying it; the array must not change until the task completes.</summary>
    public Task<MqttPublishAck> PublishAsync(string topic, byte[] payload, int qos = 1, bool retain = false, CancellationToken cancellationToken = default) =>
        PublishAsync(topic, payload.AsMemory(), qos, retain, cancellationToken);

    /// <summary>
    /// Publishes <paramref name="payload"/> (not copied: it must not change until the task completes). QoS 0 completes
    /// once sent and fails while disconnected; QoS 1 completes on PUBACK and fails with an <see cref="MqttException"/>
    /// carrying the reason code when the broker refuses it. A QoS 1 publish waits for the connection, and is sent
    /// again after a reconnect if its connection ended before the PUBACK (at least once).
    /// </summary>
    public Task<MqttPublishAck> PublishAsync(string topic, ReadOnlyMemory<byte> payload, int qos = 1, bool retain = false, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(disposed != 0, this);
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)qos, 1u, nameof(qos));
        var message = new MqttApplicationMessage
        {
            Topic = topic,
            Payload = new ReadOnlySequence<byte>(payload),
            QualityOfServiceLevel = (MqttQualityOfServiceLevel)qos,
            Retain = retain,
        };
        return qos == 0 ? PublishAtMostOnceAsync(message, cancellationToken) : PublishAtLeastOnceAsync(message, cancellationToken);
    }

    private async Task<MqttPublishAck> PublishAtMostOnceAsync(MqttApplicationMessage message, CancellationToken cancellationToken)
    {
        if (state != MqttConnectionState.Connected)
        {
            throw new MqttException($"publish to '{message.Topic}': not connected to {Endpoint}", null, isConfigurationError: false);
        }
        try
        {
            await client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
            return new MqttPublishAck(0, 0);
        }
        catch (Exception e) when (IsConnectionGone(e))
        {
            throw new MqttException($"publish to '{message.Topic}': {Describe(e)}", null, isConfigurationError: false, e);
        }
    }

    private async Task<MqttPublishAck> PublishAtLeastOnceAsync(MqttApplicationMessage message, CancellationToken cancellationToken)
    {
        while (true)
        {
            int on;
            try
            {
                await WaitConnectedOrStoppedAsync(cancellationToken).ConfigureAwait(false);
                on = Volatile.Read(ref connection);
                await inFlight.EnterAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw Gone();
            }
            inFlightMetric.Inc();
            try
            {
                MqttClientPublishResult result = await client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
                if (!result.IsSuccess)
                {
                    throw MqttException.FromReason($"publish to '{message.Topic}'", (int)result.ReasonCode, result.ReasonCode.ToString(), result.ReasonString);
                }
                return new MqttPublishAck(result.PacketIdentifier ?? 0, (int)result.ReasonCode);
            }
            catch (Exception e) when (IsConnectionGone(e))
            {
                // The connection ended before the PUBACK: sent again after the next connect, as libmosquitto used to.
                if (disposed != 0)
                {
                    throw Gone();
                }
                MarkLost(on);
            }
            finally
            {
                inFlight.Exit();
                inFlightMetric.Dec();
            }
        }
    }

    /// <summary>
    /// The connection went away under a call: MQTTnet 5.2 reports it as a communication error, or, when its adapter is
    /// already released, as ObjectDisposedException or NullReferenceException (seen in tests after a cut).
    /// </summary>
    internal static bool IsConnectionGone(Exception e) => e is MqttCommunicationException or ObjectDisposedException or NullReferenceException;

    private ObjectDisposedException Gone() => new(nameof(MqttConnection), "the MQTT client was disposed before the broker acknowledged");

    private async Task WaitConnectedOrStoppedAsync(CancellationToken cancellationToken)
    {
        Task signal;
        lock (gate)
        {
            signal = connected.Task;
        }
        if (signal.IsCompleted)
        {
            return;
        }
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping.Token);
        await signal.WaitAsync(linked.Token).ConfigureAwait(false);
    }

    /// <summary>
    /// Adds a subscription, made again after every connect. <paramref name="filter"/> may be a shared subscription
    /// (<c>$share/&lt;group&gt;/&lt;filter&gt;</c>: the broker hands each message to one member of the group). When
    /// connected, waits for the SUBACK and throws if the broker refuses the filter; otherwise it is made on connect.
    /// </summary>
    public async Task SubscribeAsync(string filter, int qos = 1, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(disposed != 0, this);
        ArgumentException.ThrowIfNullOrEmpty(filter);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)qos, 1u, nameof(qos));
        bool connectedNow;
        lock (gate)
        {
            subscriptions.Add((filter, qos));
            connectedNow = state == MqttConnectionState.Connected;
        }
        if (!connectedNow)
        {
            return; // made by the connect in progress or the next one
        }
        try
        {
            await SendSubscribeAsync(filter, qos, cancellationToken).ConfigureAwait(false);
        }
        catch (MqttException)
        {
            lock (gate)
            {
                subscriptions.RemoveAll(s => s.Filter == filter);
            }
            throw;
        }
        catch (Exception e) when (IsConnectionGone(e))
        {
            // Lost in between: made on the next connect.
        }
    }

    private async Task SendSubscribeAsync(string filter, int qos, CancellationToken cancellationToken)
    {
        MqttClientSubscribeOptions subscribe = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(filter, (MqttQualityOfServiceLevel)qos, noLocal: false, retainAsPublished: false, MqttRetainHandling.SendAtSubscribe)
            .Build();
        MqttClientSubscribeResult result = await client.SubscribeAsync(subscribe, cancellationToken).ConfigureAwait(false);
        foreach (MqttClientSubscribeResultItem item in result.Items)
        {
            if ((int)item.ResultCode >= SuccessReasonLimit)
            {
                throw MqttException.FromReason($"subscribe to '{filter}'", (int)item.ResultCode, item.ResultCode.ToString(), result.ReasonString);
            }
        }
    }

    private MqttClientOptions BuildClientOptions()
    {
        MqttClientOptionsBuilder builder = new MqttClientOptionsBuilder()
            .WithTcpServer(options.Host, options.Port)
            .WithClientId(options.ClientId)
            .WithProtocolVersion(options.Protocol == MqttProtocol.V5 ? MqttProtocolVersion.V500 : MqttProtocolVersion.V311)
            .WithKeepAlivePeriod(options.KeepAlive)
            // The broker's side of the in-flight bound: unacknowledged QoS 1 messages it may send us at once. Without it
            // mosquitto sends a whole queued backlog (10,000 after an outage) at once, and MQTTnet then crawls through it.
            .WithReceiveMaximum(options.Protocol == MqttProtocol.V5 ? (ushort)options.MaxInflight : (ushort)0)
            .WithTimeout(options.ConnectTimeout);
        uint expiry = (uint)options.SessionExpiry.TotalSeconds;
        if (options.Protocol == MqttProtocol.V5)
        {
            builder = builder.WithCleanStart(expiry == 0).WithSessionExpiryInterval(expiry);
        }
        else
        {
            builder = builder.WithCleanSession(expiry == 0);
        }
        if (options.Username is not null)
        {
            builder = builder.WithCredentials(options.Username, options.Password);
        }
        if (tls is not null)
        {
            MqttClientTlsOptionsBuilder tlsBuilder = new MqttClientTlsOptionsBuilder()
                .UseTls(true)
                .WithTargetHost(options.Host)
                .WithCertificateValidationHandler(ValidateBrokerCertificate);
            if (tls.ClientCertificates() is { } mine)
            {
                tlsBuilder = tlsBuilder.WithClientCertificates(mine);
            }
            builder = builder.WithTlsOptions(tlsBuilder.Build());
        }
        if (options.Will is { } will)
        {
            builder = builder.WithWillTopic(will.Topic)
                .WithWillPayload(will.Payload)
                .WithWillQualityOfServiceLevel((MqttQualityOfServiceLevel)will.Qos)
                .WithWillRetain(will.Retain);
        }
        MqttClientOptions built = builder.Build();
        if (built.ChannelOptions is MqttClientTcpOptions tcp)
        {
            // MQTTnet sets SO_RCVBUF/SO_SNDBUF to BufferSize before connecting, which fixes the TCP window (Linux's
            // autotuning is then off): with its default of 8 KiB a subscriber took ~60 messages/s from a broker with a
            // backlog, bound by the receive window. NoDelay (TCP_NODELAY) is MQTTnet's default: PUBACKs go out at once.
            tcp.BufferSize = SocketBufferBytes;
            tcp.NoDelay = true;
        }
        return built;
    }

    private bool ValidateBrokerCertificate(MqttClientCertificateValidationEventArgs e)
    {
        if (e.Certificate is null)
        {
            tlsFinding = "the broker presented no certificate";
            return false;
        }
        using X509Certificate2 certificate = X509CertificateLoader.LoadCertificate(e.Certificate.GetRawCertData());
        string? problem = tls!.Problem(certificate, e.SslPolicyErrors);
        tlsFinding = problem;
        return problem is null;
    }

    private async Task RunAsync()
    {
        int failures = 0;
        CancellationToken stop = stopping.Token;
        while (!stop.IsCancellationRequested)
        {
            SetState(MqttConnectionState.Connecting, null, null);
            LogConnecting(logger, Endpoint, options.ClientId);
            MqttException error;
            bool wasConnected = false;
            try
            {
                lock (gate)
                {
                    lost = new TaskCompletionSource<MqttClientDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
                }
                acknowledgements.NewConnection();
                tlsFinding = null;
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(stop);
                attempt.CancelAfter(options.ConnectTimeout);
                MqttClientConnectResult result = await client.ConnectAsync(clientOptions, attempt.Token).ConfigureAwait(false);
                if (result.ResultCode != MqttClientConnectResultCode.Success)
                {
                    error = new MqttException($"{Operation}: refused by the broker: {result.ResultCode} (reason code {(int)result.ResultCode}){Said(result.ReasonString)}", (int)result.ResultCode, isConfigurationError: false);
                }
                else
                {
                    failures = 0;
                    wasConnected = true;
                    await OnConnectedAsync(result, stop).ConfigureAwait(false);
                    Task<MqttClientDisconnectedEventArgs> ended;
                    lock (gate)
                    {
                        ended = lost.Task;
                    }
                    MqttClientDisconnectedEventArgs why = await ended.WaitAsync(stop).ConfigureAwait(false);
                    acknowledgements.NewConnection();
                    error = new MqttException($"{Operation}: connection lost: {(why.Exception is { } e ? Describe(e) : why.Reason.ToString())}", null, isConfigurationError: false, why.Exception);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (OperationCanceledException)
            {
                error = new MqttException($"{Operation}: no CONNACK within {options.ConnectTimeout.TotalSeconds:0.#} s", null, isConfigurationError: false);
            }
            catch (Exception e) when (e is MqttCommunicationException or SocketException or IOException or AuthenticationException or InvalidOperationException)
            {
                error = ConnectFailure(e);
            }

            if (wasConnected)
            {
                disconnectsMetric.Inc();
            }
            else
            {
                connectFailuresMetric.Inc();
            }
            lastError = error;
            double baseMs = options.ReconnectDelayMin.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 30));
            var delay = TimeSpan.FromMilliseconds(Math.Min(baseMs, options.ReconnectDelayMax.TotalMilliseconds) * (0.8 + (Random.Shared.NextDouble() * 0.4)));
            failures++;
            SetState(MqttConnectionState.Disconnected, error, delay);
            LogConnectionFailed(logger, error.Message, failures, delay.TotalSeconds);
            try
            {
                await Task.Delay(delay, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private string Operation => $"MQTT connection to {Endpoint} as '{options.ClientId}'";

    private static string Said(string? reason) => string.IsNullOrEmpty(reason) ? "" : $", \"{reason}\"";

    private MqttException ConnectFailure(Exception e)
    {
        bool tlsFailed = e is AuthenticationException || e.InnerException is AuthenticationException || e.InnerException?.InnerException is AuthenticationException;
        string finding = tlsFailed && tlsFinding is { } f ? $"; {f}" : "";
        string what = tlsFailed ? "TLS handshake failed: " : "";
        return new MqttException($"{Operation}: {what}{Describe(e)}{finding}", null, isConfigurationError: tlsFailed, e);
    }

    /// <summary>The messages along an exception's chain, without repeats: MQTTnet wraps socket and TLS errors.</summary>
    private static string Describe(Exception e)
    {
        var parts = new List<string>();
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            string text = x.Message.Trim();
            if (text.Length > 0 && !parts.Exists(p => p.Contains(text, StringComparison.Ordinal)))
            {
                parts.Add(text);
            }
        }
        return string.Join(": ", parts);
    }

    private async Task OnConnectedAsync(MqttClientConnectResult result, CancellationToken stop)
    {
        sessionPresent = result.IsSessionPresent;
        int limit = result.ReceiveMaximum is { } brokerMax and > 0 ? Math.Min(options.MaxInflight, brokerMax) : options.MaxInflight;
        inFlight.SetLimit(limit);
        lastError = null;
        Interlocked.Increment(ref connection);
        // Every subscription, also one added while these are made: the state turns Connected under the same lock as
        // the last look at the list, so a SubscribeAsync either finds Connected and subscribes itself, or is seen here.
        for (int next = 0; ; next++)
        {
            (string Filter, int Qos) subscription;
            lock (gate)
            {
                if (next >= subscriptions.Count)
                {
                    state = MqttConnectionState.Connected;
                    connected.TrySetResult();
                    break;
                }
                subscription = subscriptions[next];
            }
            try
            {
                await SendSubscribeAsync(subscription.Filter, subscription.Qos, stop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is MqttException || IsConnectionGone(e))
            {
                LogSubscribeFailed(logger, subscription.Filter, e.Message);
            }
        }
        connectedMetric.Set(1);
        connectionEvents.Writer.TryWrite(new MqttConnectionEvent(MqttConnectionState.Connected, clock.GetUtcNow(), null));
        LogConnected(logger, Endpoint, options.ClientId, limit, result.IsSessionPresent);
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs e)
    {
        if (e.ClientWasConnected)
        {
            connectedMetric.Set(0);
            lock (gate)
            {
                lost.TrySetResult(e);
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>A publish saw its connection end before MQTTnet reported it: stop handing out the connection at once.</summary>
    private void MarkLost(int on)
    {
        lock (gate)
        {
            if (on == connection && state == MqttConnectionState.Connected)
            {
                state = MqttConnectionState.Disconnected;
                connected = NewSignal();
            }
        }
    }

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        MqttApplicationMessage m = e.ApplicationMessage;
        int qos = (int)m.QualityOfServiceLevel;
        InboundAcknowledgement? acknowledgement = null;
        if (options.ManualAcknowledgement && qos > 0)
        {
            e.AutoAcknowledge = false;
            acknowledgement = acknowledgements.Track(e);
        }
        var message = new MqttMessage(m.Topic, m.Payload.ToArray(), qos, m.Retain) { Acknowledgement = acknowledgement };
        // Waiting here holds MQTTnet's (sequential) delivery and, with it, the PUBACKs: the broker's in-flight limit then stops it.
        return inbound.Writer.TryWrite(message) ? Task.CompletedTask : inbound.Writer.WriteAsync(message, stopping.Token).AsTask();
    }

    private void SetState(MqttConnectionState next, MqttException? error, TimeSpan? retryIn)
    {
        lock (gate)
        {
            MqttConnectionState previous = state;
            if (previous == next && error is null)
            {
                return;
            }
            state = next;
            if (next == MqttConnectionState.Connected)
            {
                connected.TrySetResult();
            }
            else if (connected.Task.IsCompleted)
            {
                connected = NewSignal();
            }
        }
        connectionEvents.Writer.TryWrite(new MqttConnectionEvent(next, clock.GetUtcNow(), error, retryIn));
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Disconnects cleanly (so the broker does not publish the will; a kept session stays kept) and stops the
    /// connection loop. Publishes still waiting for PUBACK fail with <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }
        stopping.Cancel();
        try
        {
            running.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
        if (client.IsConnected)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), timeout.Token)
                    .GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is MqttCommunicationException or OperationCanceledException or ObjectDisposedException)
            {
                // Gone already: the broker publishes the will, which is then true.
            }
        }
        client.Dispose();
        tls?.Dispose();
        acknowledgements.Dispose();
        connectedMetric.Set(0);
        SetState(MqttConnectionState.Stopped, null, null);
        inbound.Writer.TryComplete();
        connectionEvents.Writer.TryComplete();
    }

    [LoggerMessage(EventId = 5101, Level = LogLevel.Debug, Message = "MQTT connecting to {Endpoint} as '{ClientId}'")]
    private static partial void LogConnecting(ILogger logger, string endpoint, string clientId);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Information, Message = "MQTT connected to {Endpoint} as '{ClientId}' ({InFlight} publishes in flight at most, session resumed: {SessionPresent})")]
    private static partial void LogConnected(ILogger logger, string endpoint, string clientId, int inFlight, bool sessionPresent);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "{Error}; attempt {Attempt} failed, retrying in {DelaySeconds:0.0} s")]
    private static partial void LogConnectionFailed(ILogger logger, string error, int attempt, double delaySeconds);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Error, Message = "MQTT subscription to '{Filter}' failed: {Reason}")]
    private static partial void LogSubscribeFailed(ILogger logger, string filter, string reason);
}
