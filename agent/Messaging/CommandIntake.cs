using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Threading.Channels;
using EdgeInventory.Contracts;
using EdgeInventory.Mqtt;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;

namespace EdgeInventory.Messaging;

/// <summary>
/// A command the intake accepted. The broker holds it until <see cref="AcknowledgeAsync"/>: call that once the state
/// change that applies it has committed (a duplicate changes nothing and is acknowledged at once). A command not
/// acknowledged before the agent stops, crashes or loses its connection is delivered again through the persistent
/// session, so a power cut between receipt and storage loses nothing; the event id makes the redelivery a no-op.
/// </summary>
public sealed class InboundCommand<T>(T message, MqttMessage source) where T : ContractMessage
{
    public T Message { get; } = message;

    public Task AcknowledgeAsync(CancellationToken cancellationToken = default) => source.AcknowledgeAsync(cancellationToken);
}

/// <summary>
/// Cloud → edge messages of one store (<c>edgeinv/cmd/&lt;store&gt;/#</c>): expected-stock updates and scanner
/// counts, parsed strictly. A refused message (bad JSON, wrong schema or version, oversized, another store's,
/// unknown topic) is counted by reason, logged with the start of its payload and acknowledged: it changes nothing,
/// and a redelivery would be refused again. An accepted one is acknowledged by its reader, after storing it.
/// </summary>
public sealed partial class CommandIntake
{
    public const string UnknownTopic = "UnknownTopic";
    public const string WrongStore = "WrongStore";

    private static readonly Counter RejectedCounter = Metrics.CreateCounter("edgeinv_inbound_rejected_total", "inbound MQTT messages refused, by reason", "reason");

    // One child per known reason, made once: refusing a message allocates no label set.
    private static readonly FrozenDictionary<string, Counter.Child> RejectedByReason =
        Enum.GetNames<ContractRejectionReason>().Append(UnknownTopic).Append(WrongStore)
            .ToFrozenDictionary(r => r, r => RejectedCounter.WithLabels(r));

    private readonly MqttConnection client;
    private readonly string storeId;
    private readonly ILogger logger;
    private readonly Channel<InboundCommand<ExpectedStockUpdate>> expectedStock = Channel.CreateBounded<InboundCommand<ExpectedStockUpdate>>(64);
    private readonly Channel<InboundCommand<ScannerCount>> scannerCounts = Channel.CreateBounded<InboundCommand<ScannerCount>>(4096);
    private readonly ConcurrentDictionary<string, long> rejected = new();

    public CommandIntake(MqttConnection client, string storeId, ILogger<CommandIntake>? logger = null)
    {
        this.client = client ?? throw new ArgumentNullException(nameof(client));
        this.storeId = Identifiers.Require(storeId, "store id");
        this.logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public ChannelReader<InboundCommand<ExpectedStockUpdate>> ExpectedStock => expectedStock.Reader;

    public ChannelReader<InboundCommand<ScannerCount>> ScannerCounts => scannerCounts.Reader;

    /// <summary>Refusals so far, by reason (a <see cref="ContractRejectionReason"/> name, <see cref="UnknownTopic"/> or <see cref="WrongStore"/>).</summary>
    public IReadOnlyDictionary<string, long> Rejected => rejected;

    public Task SubscribeAsync(CancellationToken cancellationToken = default) =>
        client.SubscribeAsync(Topics.CommandFilter(storeId), qos: 1, cancellationToken);

    /// <summary>Reads the client's messages until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await foreach (MqttMessage message in client.Messages.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await HandleAsync(message, cancellationToken).ConfigureAwait(false))
            {
                await message.AcknowledgeAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>True when the message was handed to a reader (who acknowledges it), false when it was refused.</summary>
    internal async ValueTask<bool> HandleAsync(MqttMessage message, CancellationToken cancellationToken)
    {
        string leaf = message.Topic[(message.Topic.LastIndexOf('/') + 1)..];
        if (message.Topic != $"{Topics.Root}/{Topics.CommandSegment}/{storeId}/{leaf}")
        {
            return Reject(message, UnknownTopic, $"topic '{message.Topic}' is not a command topic of store {storeId}");
        }
        switch (leaf)
        {
            case Topics.ExpectedStockLeaf:
                {
                    ContractParseResult<ExpectedStockUpdate> parsed = ContractParser.Parse<ExpectedStockUpdate>(message.Payload);
                    if (!Accept(message, parsed.Message, parsed.Rejection))
                    {
                        return false;
                    }
                    await expectedStock.Writer.WriteAsync(new InboundCommand<ExpectedStockUpdate>(parsed.Message!, message), cancellationToken).ConfigureAwait(false);
                    return true;
                }
            case Topics.ScannerCountLeaf:
                {
                    ContractParseResult<ScannerCount> parsed = ContractParser.Parse<ScannerCount>(message.Payload);
                    if (!Accept(message, parsed.Message, parsed.Rejection))
                    {
                        return false;
                    }
                    await scannerCounts.Writer.WriteAsync(new InboundCommand<ScannerCount>(parsed.Message!, message), cancellationToken).ConfigureAwait(false);
                    return true;
                }
            default:
                return Reject(message, UnknownTopic, $"no command '{leaf}'");
        }
    }

    private bool Accept(MqttMessage message, ContractMessage? parsed, ContractRejection? rejection)
    {
        if (rejection is not null)
        {
            return Reject(message, rejection.Reason.ToString(), rejection.Detail);
        }
        if (parsed!.StoreId != storeId)
        {
            return Reject(message, WrongStore, $"storeId '{parsed.StoreId}' on store {storeId}'s topic");
        }
        return true;
    }

    private bool Reject(MqttMessage message, string reason, string detail)
    {
        rejected.AddOrUpdate(reason, 1, static (_, n) => n + 1);
        (RejectedByReason.TryGetValue(reason, out Counter.Child? child) ? child : RejectedCounter.WithLabels(reason)).Inc();
        LogRejected(logger, message.Topic, reason, detail, message.Payload.Length, ContractParser.Preview(message.Payload));
        return false;
    }

    [LoggerMessage(EventId = 5221, Level = LogLevel.Warning, Message = "refused a message on '{Topic}': {Reason}: {Detail} ({Length} bytes: {Preview})")]
    private static partial void LogRejected(ILogger logger, string topic, string reason, string detail, int length, string preview);
}
