using EdgeInventory.Contracts;
using EdgeInventory.Mqtt;

namespace EdgeInventory.Agent.Tests.Agent;

/// <summary>
/// A subscription as one broker user whose messages are kept in arrival order: what the cloud, or the operators, see
/// of what the agent publishes. Used by the delivery and the agent-to-cloud tests.
/// </summary>
internal sealed class TopicListener : IAsyncDisposable
{
    private readonly MqttConnection _connection;
    private readonly List<MqttMessage> _received = [];
    private readonly CancellationTokenSource _stop = new();
    private Task _reader = Task.CompletedTask;

    private TopicListener(MqttConnection connection) => _connection = connection;

    public static async Task<TopicListener> StartAsync(int port, string user, string password, string filter, string? clientId = null)
    {
        var listener = new TopicListener(new MqttConnection(new MqttConnectionOptions
        {
            Host = "127.0.0.1", Port = port, ClientId = clientId ?? $"{user}-listener-{Guid.NewGuid():N}"[..32], Username = user, Password = password,
            ReconnectDelayMin = TimeSpan.FromMilliseconds(50), ReconnectDelayMax = TimeSpan.FromSeconds(1),
        }));
        await listener._connection.WaitConnectedAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await listener._connection.SubscribeAsync(filter);
        listener._reader = Task.Run(listener.ReadAsync);
        return listener;
    }

    public bool Any(Func<MqttMessage, bool> match)
    {
        lock (_received)
        {
            return _received.Any(match);
        }
    }

    public List<MqttMessage> Snapshot()
    {
        lock (_received)
        {
            return [.. _received];
        }
    }

    /// <summary>Every message so far read as <typeparamref name="T"/>; one that does not parse fails the test, naming its topic.</summary>
    public List<T> Parsed<T>() where T : ContractMessage, IContractMessage<T> =>
        [.. Snapshot().Select(m =>
        {
            ContractParseResult<T> parsed = ContractParser.Parse<T>(m.Payload);
            Assert.True(parsed.IsValid, $"a {typeof(T).Name} that does not parse on {m.Topic}: {parsed.Rejection}");
            return parsed.Message!;
        })];

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _reader;
        _connection.Dispose();
        _stop.Dispose();
    }

    private async Task ReadAsync()
    {
        try
        {
            await foreach (MqttMessage m in _connection.Messages.ReadAllAsync(_stop.Token))
            {
                lock (_received)
                {
                    _received.Add(m);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
