using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using EdgeInventory.Contracts;
using EdgeInventory.Mqtt;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeInventory.Messaging;

/// <summary>
/// Cloud → edge messages of one store (<c>edgeinv/cmd/&lt;store&gt;/#</c>): expected-stock updates and scanner
/// counts, parsed strictly. A refused message (bad JSON, wrong schema or version, oversized, another store's,
/// unknown topic) is counted by reason and logged with the start of its payload; it changes nothing.
/// </summary>
public sealed partial class CommandIntake
{
    public const string UnknownTopic = "UnknownTopic";
    public const string WrongStore = "WrongStore";

    private static readonly Meter Meter = new("EdgeInventory.Messaging.Intake");
    private static readonly Counter<long> RejectedCounter = Meter.CreateCounter<long>("edgeinv_inbound_rejected_total", description: "inbound MQTT messages refused, by reason");

    private readonly MosquittoClient client;
    private readonly string storeId;
    private readonly ILogger logger;
    private readonly Channel<ExpectedStockUpdate> expectedStock = Channel.CreateBounded<ExpectedStockUpdate>(64);
    private readonly Channel<ScannerCount> scannerCounts = Channel.CreateBounded<ScannerCount>(4096);
    private readonly ConcurrentDictionary<string, long> rejected = new();

    public CommandIntake(MosquittoClient client, string storeId, ILogger<CommandIntake>? logger = null)
    {
        this.client = client ?? throw new ArgumentNullException(nameof(client));
        this.storeId = Identifiers.Require(storeId, "store id");
        this.logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public ChannelReader<ExpectedStockUpdate> ExpectedStock => expectedStock.Reader;

    public ChannelReader<ScannerCount> ScannerCounts => scannerCounts.Reader;

    /// <summary>Refusals so far, by reason (a <see cref="ContractRejectionReason"/> name, <see cref="UnknownTopic"/> or <see cref="WrongStore"/>).</summary>
    public IReadOnlyDictionary<string, long> Rejected => rejected;

    public Task SubscribeAsync(CancellationToken cancellationToken = default) =>
        client.SubscribeAsync(Topics.CommandFilter(storeId), qos: 1, cancellationToken);

    /// <summary>Reads the client's messages until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await foreach (MqttMessage message in client.Messages.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            await HandleAsync(message, cancellationToken).ConfigureAwait(false);
        }
    }

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
                    await expectedStock.Writer.WriteAsync(parsed.Message!, cancellationToken).ConfigureAwait(false);
                    return true;
                }
            case Topics.ScannerCountLeaf:
                {
                    ContractParseResult<ScannerCount> parsed = ContractParser.Parse<ScannerCount>(message.Payload);
                    if (!Accept(message, parsed.Message, parsed.Rejection))
                    {
                        return false;
                    }
                    await scannerCounts.Writer.WriteAsync(parsed.Message!, cancellationToken).ConfigureAwait(false);
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
        RejectedCounter.Add(1, new KeyValuePair<string, object?>("reason", reason));
        LogRejected(logger, message.Topic, reason, detail, message.Payload.Length, ContractParser.Preview(message.Payload));
        return false;
    }

    [LoggerMessage(EventId = 5221, Level = LogLevel.Warning, Message = "refused a message on '{Topic}': {Reason}: {Detail} ({Length} bytes: {Preview})")]
    private static partial void LogRejected(ILogger logger, string topic, string reason, string detail, int length, string preview);
}
