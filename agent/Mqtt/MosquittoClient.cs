using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Channels;
using EdgeInventory.Mqtt.Native;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeInventory.Mqtt;

/// <summary>
/// One MQTT connection through libmosquitto 2.0, owning its native handle and its network thread.
/// <list type="bullet">
/// <item>The network loop is this class's own thread calling <c>mosquitto_loop</c>, not
/// <c>mosquitto_loop_start</c>: libmosquitto's loop thread ends for good on TLS, auth and protocol errors,
/// with no way to notice. Here every failure is reported (<see cref="ConnectionEvents"/>, the log,
/// <see cref="LastError"/>) and retried with exponential backoff until the client is disposed. (That also
/// side-steps the 2.0.11 pitfall where <c>mosquitto_connect_async</c> before <c>mosquitto_loop_start</c>
/// never retries a failed first connect.)</item>
/// <item>Native callbacks are <see cref="UnmanagedCallersOnlyAttribute"/> trampolines that catch everything
/// and only hand results on: to a task completion (continuations run asynchronously, never on the
/// network thread) or to the <see cref="Messages"/> channel.</item>
/// <item>QoS 1 publishes complete on PUBACK; under MQTT 5 a reason code of 128 or more (135: not
/// authorised) fails the task with <see cref="MosquittoException.ReasonCode"/> set. libmosquitto keeps
/// unacknowledged publishes across reconnects and resends them, so a task can complete after a reconnect.</item>
/// </list>
/// </summary>
public sealed partial class MosquittoClient : IDisposable
{
    private const int SuccessReasonLimit = 0x80;
    private static readonly TimeSpan EarlyAckLifetime = TimeSpan.FromSeconds(10);

    private readonly MosquittoClientOptions options;
    private readonly ILogger logger;
    private readonly MosquittoHandle handle;
    private readonly GCHandle self;
    private readonly Thread networkThread;
    private readonly ManualResetEventSlim stopSignal = new(false);
    private readonly Channel<MqttMessage> inbound;
    private readonly Channel<MqttConnectionEvent> connectionEvents;
    private readonly Lock gate = new();
    // mid → waiting publish or subscribe. mids of publishes and subscribes come from one counter.
    private readonly Dictionary<int, object> pending = [];
    // Acks that arrived before the publishing thread registered its mid (a loopback broker can be that fast).
    private readonly Dictionary<int, (int Code, long At)> earlyAcks = [];
    private readonly List<(string Filter, int Qos)> subscriptions = [];
    private TaskCompletionSource connected = NewSignal();
    private volatile MqttConnectionState state = MqttConnectionState.Disconnected;
    private volatile MosquittoException? lastError;
    private volatile bool stopping;
    private int disposed;

    // Touched only on the network thread (callbacks run there too).
    private int consecutiveFailures;
    private string? lastLibraryError;
    private int? connackRefusal;
    private bool connectionDropped;
    private long callbackFaults;
    private string? tlsFinding;

    public MosquittoClient(MosquittoClientOptions options, ILogger<MosquittoClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.options = options;
        this.logger = (ILogger?)logger ?? NullLogger.Instance;
        MosquittoLibrary.EnsureInitialised();

        inbound = Channel.CreateBounded<MqttMessage>(new BoundedChannelOptions(options.InboundCapacity)
        {
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        connectionEvents = Channel.CreateBounded<MqttConnectionEvent>(new BoundedChannelOptions(256)
        {
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.DropOldest,
        });

        self = GCHandle.Alloc(this);
        handle = MosquittoHandle.Create(options.ClientId, options.CleanSession, GCHandle.ToIntPtr(self));
        try
        {
            Configure();
        }
        catch
        {
            handle.Dispose();
            self.Free();
            throw;
        }
        networkThread = new Thread(RunNetworkLoop) { IsBackground = true, Name = $"mqtt {options.ClientId}" };
        networkThread.Start();
    }

    public MqttConnectionState State => state;

    /// <summary>The last connection failure, kept until the next successful connect.</summary>
    public MosquittoException? LastError => lastError;

    public string Endpoint => $"{options.Host}:{options.Port}";

    /// <summary>Messages of the subscribed topics. Read it: when it is full, the network thread waits.</summary>
    public ChannelReader<MqttMessage> Messages => inbound.Reader;

    /// <summary>Every state change, with the error that caused it (the oldest are dropped if nobody reads).</summary>
    public ChannelReader<MqttConnectionEvent> ConnectionEvents => connectionEvents.Reader;

    /// <summary>Number of exceptions caught inside native callbacks (should stay 0; each is logged).</summary>
    public long CallbackFaults => Interlocked.Read(ref callbackFaults);

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

    /// <summary>
    /// Publishes <paramref name="payload"/>. QoS 0 completes once queued; QoS 1 completes on PUBACK and fails
    /// with a <see cref="MosquittoException"/> carrying the reason code when the broker refuses it. While
    /// disconnected a QoS 1 publish is queued by libmosquitto and sent on reconnect.
    /// </summary>
    public unsafe Task<MqttPublishAck> PublishAsync(string topic, ReadOnlySpan<byte> payload, int qos = 1, bool retain = false, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(disposed != 0, this);
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)qos, 1u, nameof(qos));
        int byteCount = Encoding.UTF8.GetByteCount(topic);
        Span<byte> topicUtf8 = byteCount < 512 ? stackalloc byte[byteCount + 1] : new byte[byteCount + 1];
        Encoding.UTF8.GetBytes(topic, topicUtf8);
        topicUtf8[byteCount] = 0;

        int mid = 0;
        int rc;
        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            fixed (byte* topicPtr = topicUtf8)
            fixed (byte* payloadPtr = payload)
            {
                rc = LibMosquitto.mosquitto_publish_v5(handle.DangerousGetHandle(), &mid, topicPtr, payload.Length, payloadPtr, qos, retain, 0);
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
        // libmosquitto 2.0 answers MOSQ_ERR_NO_CONN while disconnected but has queued a QoS 1 message under
        // its mid and resends it on reconnect, so that case is waited for like any other publish.
        bool queuedWhileDisconnected = rc == LibMosquitto.MOSQ_ERR_NO_CONN && qos == 1 && mid != 0;
        if (rc != LibMosquitto.MOSQ_ERR_SUCCESS && !queuedWhileDisconnected)
        {
            return Task.FromException<MqttPublishAck>(MosquittoException.FromError($"publish to '{topic}'", rc));
        }
        if (qos == 0)
        {
            return Task.FromResult(new MqttPublishAck(mid, 0));
        }

        var waiter = new PendingPublish(topic, mid);
        lock (gate)
        {
            if (earlyAcks.Remove(mid, out (int Code, long At) early) && Environment.TickCount64 - early.At < EarlyAckLifetime.TotalMilliseconds)
            {
                waiter.Complete(early.Code);
            }
            else
            {
                pending[mid] = waiter;
            }
        }
        if (cancellationToken.CanBeCanceled && !waiter.Task.IsCompleted)
        {
            return WithCancellation(waiter, cancellationToken);
        }
        return waiter.Task;
    }

    private async Task<MqttPublishAck> WithCancellation(PendingPublish waiter, CancellationToken cancellationToken)
    {
        try
        {
            return await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The message may still be in libmosquitto's queue; a later PUBACK for it is dropped as unclaimed.
            lock (gate)
            {
                if (pending.TryGetValue(waiter.Mid, out object? current) && ReferenceEquals(current, waiter))
                {
                    pending.Remove(waiter.Mid);
                }
            }
            throw;
        }
    }

    /// <summary>
    /// Adds a subscription, kept across reconnects. When connected, waits for the SUBACK and throws if the
    /// broker refuses the filter; otherwise the subscription is made on the next connect.
    /// </summary>
    public async Task SubscribeAsync(string filter, int qos = 1, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(disposed != 0, this);
        ArgumentException.ThrowIfNullOrEmpty(filter);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)qos, 1u, nameof(qos));
        lock (gate)
        {
            subscriptions.Add((filter, qos));
        }
        if (state != MqttConnectionState.Connected)
        {
            return;
        }
        var waiter = new PendingSubscribe(filter);
        int rc = SendSubscribe(filter, qos, waiter);
        if (rc == LibMosquitto.MOSQ_ERR_NO_CONN)
        {
            return; // dropped in between: made on reconnect
        }
        if (rc != LibMosquitto.MOSQ_ERR_SUCCESS)
        {
            RemoveSubscription(filter);
            throw MosquittoException.FromError($"subscribe to '{filter}'", rc);
        }
        try
        {
            await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (MosquittoException)
        {
            RemoveSubscription(filter);
            throw;
        }
    }

    private void RemoveSubscription(string filter)
    {
        lock (gate)
        {
            subscriptions.RemoveAll(s => s.Filter == filter);
        }
    }

    private unsafe int SendSubscribe(string filter, int qos, object waiter)
    {
        int mid = 0;
        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            int rc = LibMosquitto.mosquitto_subscribe_v5(handle.DangerousGetHandle(), &mid, filter, qos, 0, 0);
            if (rc == LibMosquitto.MOSQ_ERR_SUCCESS)
            {
                lock (gate)
                {
                    if (earlyAcks.Remove(mid, out (int Code, long At) early))
                    {
                        CompleteWaiter(waiter, early.Code);
                    }
                    else
                    {
                        pending[mid] = waiter;
                    }
                }
            }
            return rc;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private unsafe void Configure()
    {
        nint h = handle.DangerousGetHandle();
        Check("mosquitto_threaded_set", LibMosquitto.mosquitto_threaded_set(h, true));
        Check("MOSQ_OPT_PROTOCOL_VERSION", LibMosquitto.mosquitto_int_option(h, LibMosquitto.MOSQ_OPT_PROTOCOL_VERSION,
            options.Protocol == MqttProtocol.V5 ? LibMosquitto.MQTT_PROTOCOL_V5 : LibMosquitto.MQTT_PROTOCOL_V311));
        Check("MOSQ_OPT_SEND_MAXIMUM", LibMosquitto.mosquitto_int_option(h, LibMosquitto.MOSQ_OPT_SEND_MAXIMUM, options.MaxInflight));
        Check("MOSQ_OPT_TCP_NODELAY", LibMosquitto.mosquitto_int_option(h, LibMosquitto.MOSQ_OPT_TCP_NODELAY, 1));
        if (options.Username is not null)
        {
            Check("mosquitto_username_pw_set", LibMosquitto.mosquitto_username_pw_set(h, options.Username, options.Password));
        }
        if (options.Tls is { } tls)
        {
            if (tls.UseOsTrustStore)
            {
                Check("MOSQ_OPT_TLS_USE_OS_CERTS", LibMosquitto.mosquitto_int_option(h, LibMosquitto.MOSQ_OPT_TLS_USE_OS_CERTS, 1));
            }
            Check("mosquitto_tls_set", LibMosquitto.mosquitto_tls_set(h, tls.CaFile, tls.CaPath, tls.CertFile, tls.KeyFile, 0));
            if (tls.AllowHostnameMismatch)
            {
                Check("mosquitto_tls_insecure_set", LibMosquitto.mosquitto_tls_insecure_set(h, true));
            }
        }
        if (options.Will is { } will)
        {
            fixed (byte* payload = will.Payload)
            {
                Check("mosquitto_will_set", LibMosquitto.mosquitto_will_set(h, will.Topic, will.Payload.Length, payload, will.Qos, will.Retain));
            }
        }
        LibMosquitto.mosquitto_connect_v5_callback_set(h, &OnConnect);
        LibMosquitto.mosquitto_disconnect_v5_callback_set(h, &OnDisconnect);
        LibMosquitto.mosquitto_publish_v5_callback_set(h, &OnPublish);
        LibMosquitto.mosquitto_subscribe_v5_callback_set(h, &OnSubscribe);
        LibMosquitto.mosquitto_message_v5_callback_set(h, &OnMessage);
        LibMosquitto.mosquitto_log_callback_set(h, &OnLog);

        static void Check(string what, int rc)
        {
            if (rc != LibMosquitto.MOSQ_ERR_SUCCESS)
            {
                throw MosquittoException.FromError(what, rc);
            }
        }
    }

    private void RunNetworkLoop()
    {
        nint h = handle.DangerousGetHandle();
        int keepAlive = (int)options.KeepAlive.TotalSeconds;
        bool needConnect = true;
        long connectStartedAt = 0;
        while (!stopping)
        {
            if (needConnect)
            {
                SetState(MqttConnectionState.Connecting, null, null);
                LogConnecting(logger, Endpoint, options.ClientId);
                lastLibraryError = null;
                connackRefusal = null;
                connectionDropped = false;
                int rc = LibMosquitto.mosquitto_connect_async(h, options.Host, options.Port, keepAlive);
                if (rc != LibMosquitto.MOSQ_ERR_SUCCESS)
                {
                    Fail(rc);
                    continue;
                }
                needConnect = false;
                connectStartedAt = Environment.TickCount64;
            }

            int loopRc = LibMosquitto.mosquitto_loop(h, 100, 1);
            if (loopRc != LibMosquitto.MOSQ_ERR_SUCCESS || connectionDropped)
            {
                Fail(loopRc == LibMosquitto.MOSQ_ERR_SUCCESS ? LibMosquitto.MOSQ_ERR_CONN_LOST : loopRc);
                needConnect = true;
            }
            else if (state == MqttConnectionState.Connecting && Environment.TickCount64 - connectStartedAt > options.ConnectTimeout.TotalMilliseconds)
            {
                lastLibraryError ??= $"no CONNACK within {options.ConnectTimeout.TotalSeconds:0.#} s";
                Fail(LibMosquitto.MOSQ_ERR_TIMEOUT_LOCAL);
                needConnect = true;
            }
        }

        if (state == MqttConnectionState.Connected)
        {
            // A clean DISCONNECT: the broker then does not publish the will. Flush it for up to a second.
            int rc = LibMosquitto.mosquitto_disconnect_v5(h, 0, 0);
            long until = Environment.TickCount64 + 1000;
            while (rc == LibMosquitto.MOSQ_ERR_SUCCESS && Environment.TickCount64 < until && LibMosquitto.mosquitto_loop(h, 50, 1) == LibMosquitto.MOSQ_ERR_SUCCESS)
            {
            }
        }
        SetState(MqttConnectionState.Stopped, null, null);
    }

    /// <summary>Reports a failed or lost connection and sleeps the backoff delay (cut short by Dispose).</summary>
    private void Fail(int rc)
    {
        string operation = $"MQTT connection to {Endpoint} as '{options.ClientId}'";
        MosquittoException error = connackRefusal is { } reason
            ? new MosquittoException(
                $"{operation}: refused by the broker: {Refusal(reason)}", LibMosquitto.MOSQ_ERR_CONN_REFUSED, reason)
            : rc == LibMosquitto.MOSQ_ERR_TIMEOUT_LOCAL
                ? new MosquittoException($"{operation}: {lastLibraryError}", rc)
                : MosquittoException.FromError(operation, rc, lastLibraryError);
        if (rc is LibMosquitto.MOSQ_ERR_TLS or LibMosquitto.MOSQ_ERR_TLS_HANDSHAKE && options.Tls is { } tls)
        {
            // One diagnostic handshake per failure streak; later failures reuse its finding.
            if (consecutiveFailures == 0 || tlsFinding is null)
            {
                tlsFinding = TlsDiagnosis.Explain(options.Host, options.Port, tls, TimeSpan.FromSeconds(3));
            }
            if (tlsFinding is not null)
            {
                error = new MosquittoException($"{error.Message}; {tlsFinding}", rc);
            }
        }
        lastError = error;

        double baseMs = options.ReconnectDelayMin.TotalMilliseconds * Math.Pow(2, Math.Min(consecutiveFailures, 30));
        double delayMs = Math.Min(baseMs, options.ReconnectDelayMax.TotalMilliseconds) * (0.8 + (Random.Shared.NextDouble() * 0.4));
        var delay = TimeSpan.FromMilliseconds(delayMs);
        consecutiveFailures++;
        SetState(MqttConnectionState.Disconnected, error, delay);
        LogConnectionFailed(logger, error.Message, consecutiveFailures, delay.TotalSeconds);
        stopSignal.Wait(delay);
    }

    private unsafe string Refusal(int reason) => options.Protocol == MqttProtocol.V5
        ? $"{MosquittoException.DescribeReason(reason)} (reason code {reason})"
        : $"{Marshal.PtrToStringUTF8((nint)LibMosquitto.mosquitto_connack_string(reason))} (CONNACK code {reason})";

    private void SetState(MqttConnectionState next, MosquittoException? error, TimeSpan? retryIn)
    {
        MqttConnectionState previous = state;
        if (previous == next && error is null)
        {
            return;
        }
        state = next;
        lock (gate)
        {
            if (next == MqttConnectionState.Connected)
            {
                connected.TrySetResult();
            }
            else if (connected.Task.IsCompleted)
            {
                connected = NewSignal();
            }
        }
        connectionEvents.Writer.TryWrite(new MqttConnectionEvent(next, DateTimeOffset.UtcNow, error, retryIn));
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    // ---- callbacks: run on the network thread, inside mosquitto_loop ----

    private void HandleConnect(int rc)
    {
        if (rc != 0)
        {
            connackRefusal = rc;
            return;
        }
        consecutiveFailures = 0;
        lastError = null;
        SetState(MqttConnectionState.Connected, null, null);
        LogConnected(logger, Endpoint, options.ClientId);
        (string Filter, int Qos)[] toRestore;
        lock (gate)
        {
            toRestore = [.. subscriptions];
            long now = Environment.TickCount64;
            foreach (int stale in earlyAcks.Where(e => now - e.Value.At > EarlyAckLifetime.TotalMilliseconds).Select(e => e.Key).ToList())
            {
                earlyAcks.Remove(stale);
            }
        }
        foreach ((string filter, int qos) in toRestore)
        {
            int subRc = SendSubscribe(filter, qos, filter);
            if (subRc != LibMosquitto.MOSQ_ERR_SUCCESS)
            {
                LogSubscribeFailed(logger, filter, MosquittoException.Describe(subRc));
            }
        }
    }

    private void HandleAck(int mid, int code)
    {
        object? waiter;
        lock (gate)
        {
            if (!pending.Remove(mid, out waiter))
            {
                earlyAcks[mid] = (code, Environment.TickCount64);
                return;
            }
        }
        CompleteWaiter(waiter, code);
    }

    private void CompleteWaiter(object waiter, int code)
    {
        switch (waiter)
        {
            case PendingPublish publish:
                publish.Complete(code);
                break;
            case PendingSubscribe subscribe:
                subscribe.Complete(code);
                break;
            case string filter when code >= SuccessReasonLimit:
                LogSubscribeFailed(logger, filter, MosquittoException.DescribeReason(code));
                break;
        }
    }

    private unsafe void HandleMessage(LibMosquitto.mosquitto_message* message)
    {
        string topic = Marshal.PtrToStringUTF8((nint)message->topic) ?? "";
        byte[] payload = message->payloadlen > 0 ? new ReadOnlySpan<byte>(message->payload, message->payloadlen).ToArray() : [];
        var item = new MqttMessage(topic, payload, message->qos, message->retain);
        // Waiting here stops this thread reading the socket: TCP backpressure rather than a silent drop.
        var spinner = new SpinWait();
        while (!inbound.Writer.TryWrite(item) && !stopping)
        {
            spinner.SpinOnce(sleep1Threshold: 10);
        }
    }

    private unsafe void HandleLog(int level, byte* text)
    {
        string line = Marshal.PtrToStringUTF8((nint)text) ?? "";
        if (level is LibMosquitto.MOSQ_LOG_ERR or LibMosquitto.MOSQ_LOG_WARNING)
        {
            lastLibraryError = line;
        }
        LogLibrary(logger, level, line);
    }

    private void RecordFault(Exception e)
    {
        Interlocked.Increment(ref callbackFaults);
        try
        {
            LogCallbackFault(logger, e);
        }
        catch (Exception)
        {
            // Nothing may escape into native code, not even a failing logger.
        }
    }

    private static MosquittoClient? From(nint obj) => obj == 0 ? null : GCHandle.FromIntPtr(obj).Target as MosquittoClient;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnConnect(nint mosq, nint obj, int rc, int flags, nint props)
    {
        MosquittoClient? client = From(obj);
        try
        {
            client?.HandleConnect(rc);
        }
        catch (Exception e)
        {
            client?.RecordFault(e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnDisconnect(nint mosq, nint obj, int rc, nint props)
    {
        MosquittoClient? client = From(obj);
        try
        {
            if (client is not null && rc != 0 && !client.stopping)
            {
                client.connectionDropped = true;
            }
        }
        catch (Exception e)
        {
            client?.RecordFault(e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnPublish(nint mosq, nint obj, int mid, int reasonCode, nint props)
    {
        MosquittoClient? client = From(obj);
        try
        {
            client?.HandleAck(mid, reasonCode);
        }
        catch (Exception e)
        {
            client?.RecordFault(e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private unsafe static void OnSubscribe(nint mosq, nint obj, int mid, int qosCount, int* grantedQos, nint props)
    {
        MosquittoClient? client = From(obj);
        try
        {
            client?.HandleAck(mid, qosCount > 0 ? grantedQos[0] : SuccessReasonLimit);
        }
        catch (Exception e)
        {
            client?.RecordFault(e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private unsafe static void OnMessage(nint mosq, nint obj, LibMosquitto.mosquitto_message* message, nint props)
    {
        MosquittoClient? client = From(obj);
        try
        {
            client?.HandleMessage(message);
        }
        catch (Exception e)
        {
            client?.RecordFault(e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private unsafe static void OnLog(nint mosq, nint obj, int level, byte* text)
    {
        MosquittoClient? client = From(obj);
        try
        {
            client?.HandleLog(level, text);
        }
        catch (Exception e)
        {
            client?.RecordFault(e);
        }
    }

    /// <summary>
    /// Disconnects cleanly (so the broker does not publish the will), stops the network thread and frees
    /// the native handle. Publishes still waiting for PUBACK fail with <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }
        stopping = true;
        stopSignal.Set();
        networkThread.Join();
        handle.Dispose();
        self.Free();
        stopSignal.Dispose();
        object[] abandoned;
        lock (gate)
        {
            abandoned = [.. pending.Values];
            pending.Clear();
        }
        var gone = new ObjectDisposedException(nameof(MosquittoClient), "the MQTT client was disposed before the broker acknowledged");
        foreach (object waiter in abandoned)
        {
            (waiter as PendingPublish)?.Fail(gone);
            (waiter as PendingSubscribe)?.Fail(gone);
        }
        inbound.Writer.TryComplete();
        connectionEvents.Writer.TryComplete();
    }

    private sealed class PendingPublish(string topic, int mid)
        : TaskCompletionSource<MqttPublishAck>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public int Mid => mid;

        public void Complete(int reasonCode)
        {
            if (reasonCode < SuccessReasonLimit)
            {
                TrySetResult(new MqttPublishAck(mid, reasonCode));
            }
            else
            {
                TrySetException(MosquittoException.FromReason($"publish to '{topic}'", reasonCode));
            }
        }

        public void Fail(Exception e) => TrySetException(e);
    }

    private sealed class PendingSubscribe(string filter) : TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public void Complete(int grantedQos)
        {
            if (grantedQos < SuccessReasonLimit)
            {
                TrySetResult(grantedQos);
            }
            else
            {
                TrySetException(MosquittoException.FromReason($"subscribe to '{filter}'", grantedQos));
            }
        }

        public void Fail(Exception e) => TrySetException(e);
    }

    [LoggerMessage(EventId = 5101, Level = LogLevel.Debug, Message = "MQTT connecting to {Endpoint} as '{ClientId}'")]
    private static partial void LogConnecting(ILogger logger, string endpoint, string clientId);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Information, Message = "MQTT connected to {Endpoint} as '{ClientId}'")]
    private static partial void LogConnected(ILogger logger, string endpoint, string clientId);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "{Error}; attempt {Attempt} failed, retrying in {DelaySeconds:0.0} s")]
    private static partial void LogConnectionFailed(ILogger logger, string error, int attempt, double delaySeconds);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Error, Message = "MQTT subscription to '{Filter}' failed: {Reason}")]
    private static partial void LogSubscribeFailed(ILogger logger, string filter, string reason);

    [LoggerMessage(EventId = 5105, Level = LogLevel.Debug, Message = "libmosquitto [{Level}] {Line}")]
    private static partial void LogLibrary(ILogger logger, int level, string line);

    [LoggerMessage(EventId = 5106, Level = LogLevel.Error, Message = "an MQTT callback failed; the exception was kept from native code")]
    private static partial void LogCallbackFault(ILogger logger, Exception exception);
}
