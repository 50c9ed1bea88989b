using MQTTnet;

namespace EdgeInventory.Mqtt;

/// <summary>One received QoS 1 message whose PUBACK waits for the application.</summary>
internal sealed class InboundAcknowledgement(InboundAcknowledgements owner, MqttApplicationMessageReceivedEventArgs received, int connection)
{
    internal MqttApplicationMessageReceivedEventArgs Received { get; } = received;

    internal int Connection { get; } = connection;

    internal bool Done { get; set; }

    public Task AcknowledgeAsync(CancellationToken cancellationToken) => owner.AcknowledgeAsync(this, cancellationToken);
}

/// <summary>
/// The PUBACKs an application sends itself (manual acknowledgement), in the order the messages arrived, as MQTT 5
/// asks (§4.6): an acknowledgement marks its message done, and the done messages at the head of the queue are
/// acknowledged. Messages of a connection that has ended are dropped: MQTTnet would send their PUBACK on the next
/// connection, where the packet id may name another message; the broker delivers them again instead.
/// </summary>
internal sealed class InboundAcknowledgements : IDisposable
{
    private readonly Lock gate = new();
    private readonly Queue<InboundAcknowledgement> waiting = new();
    private readonly SemaphoreSlim sending = new(1, 1);
    private int connection;

    public InboundAcknowledgement Track(MqttApplicationMessageReceivedEventArgs received)
    {
        lock (gate)
        {
            var pending = new InboundAcknowledgement(this, received, connection);
            waiting.Enqueue(pending);
            return pending;
        }
    }

    /// <summary>Called when a connection ends and before each connect: what is still waiting belongs to the connection that ended.</summary>
    public void NewConnection()
    {
        lock (gate)
        {
            connection++;
            waiting.Clear();
        }
    }

    public async Task AcknowledgeAsync(InboundAcknowledgement pending, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            pending.Done = true;
        }
        try
        {
            await sending.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            return; // the connection was disposed: the broker delivers the message again
        }
        try
        {
            while (true)
            {
                InboundAcknowledgement? head;
                lock (gate)
                {
                    if (!waiting.TryPeek(out head) || !head.Done)
                    {
                        return;
                    }
                    waiting.Dequeue();
                    if (head.Connection != connection)
                    {
                        continue;
                    }
                }
                try
                {
                    await head.Received.AcknowledgeAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (MqttConnection.IsConnectionGone(e) || e is InvalidOperationException)
                {
                    // The connection ended before the PUBACK went out: the broker delivers the message again.
                }
            }
        }
        finally
        {
            sending.Release();
        }
    }

    public void Dispose() => sending.Dispose();
}

/// <summary>
/// Bounds QoS 1 publishes awaiting PUBACK: MQTTnet 5 sends as many as it is given, and a broker that receives more
/// than the receive maximum it announced in CONNACK may disconnect the client. The limit changes per connection.
/// </summary>
internal sealed class InFlightGate(int limit)
{
    private readonly Lock gate = new();
    private readonly Queue<TaskCompletionSource> waiters = new();
    private int limit = limit;
    private int inFlight;

    public int Limit => Volatile.Read(ref limit);

    public int InFlight => Volatile.Read(ref inFlight);

    public ValueTask EnterAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (gate)
        {
            if (inFlight < limit)
            {
                inFlight++;
                return ValueTask.CompletedTask;
            }
            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiters.Enqueue(waiter);
        }
        return new ValueTask(WaitAsync(waiter, cancellationToken));
    }

    private static async Task WaitAsync(TaskCompletionSource waiter, CancellationToken cancellationToken)
    {
        using CancellationTokenRegistration registration = cancellationToken.Register(static w => ((TaskCompletionSource)w!).TrySetCanceled(), waiter);
        await waiter.Task.ConfigureAwait(false);
    }

    public void Exit()
    {
        lock (gate)
        {
            inFlight--;
            ReleaseWaiters();
        }
    }

    public void SetLimit(int value)
    {
        lock (gate)
        {
            limit = value;
            ReleaseWaiters();
        }
    }

    private void ReleaseWaiters()
    {
        while (inFlight < limit && waiters.TryDequeue(out TaskCompletionSource? next))
        {
            // A cancelled waiter gives its turn to the next one.
            if (next.TrySetResult())
            {
                inFlight++;
            }
        }
    }
}
