using EdgeInventory.Agent.Metrics;
using EdgeInventory.Agent.State;
using EdgeInventory.Contracts;
using EdgeInventory.Messaging;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeInventory.Agent.Pipeline;

/// <summary>
/// Feeds what agent/Messaging's <see cref="CommandIntake"/> accepted from the cloud into the agent:
/// expected-stock updates (stored, then applied to the book: <see cref="ExpectedStockKeeper"/>) and scanner counts (stored and reconciled exactly like
/// a count posted to the local endpoint). Each is acknowledged to the broker only after the agent has stored it (or
/// found it stored before): a crash or power cut in between leaves it with the broker's persistent session, which
/// delivers it again. A redelivered event id of either is a duplicate and changes nothing.
/// </summary>
public sealed partial class CloudCommandService(ExpectedStockKeeper expected, ScannerIntake scanners, AgentMetrics metrics, CommandIntake intake, ILogger<CloudCommandService> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(ApplyExpectedStockAsync(stoppingToken), ApplyScannerCountsAsync(stoppingToken));

    private async Task ApplyExpectedStockAsync(CancellationToken cancellation)
    {
        await foreach (InboundCommand<ExpectedStockUpdate> command in intake.ExpectedStock.ReadAllAsync(cancellation).ConfigureAwait(false))
        {
            ExpectedStockUpdate update = command.Message;
            if (expected.Apply(update))
            {
                LogExpectedStock(logger, update.Mode, update.Items.Count, update.EventId);
            }
            else
            {
                LogExpectedStockDuplicate(logger, update.EventId);
            }
            // Committed (or a duplicate of one that was): only now may the broker forget it.
            await command.AcknowledgeAsync(cancellation).ConfigureAwait(false);
        }
    }

    private async Task ApplyScannerCountsAsync(CancellationToken cancellation)
    {
        await foreach (InboundCommand<ScannerCount> command in intake.ScannerCounts.ReadAllAsync(cancellation).ConfigureAwait(false))
        {
            ScannerCount count = command.Message;
            (ScannerCountOutcome outcome, string detail) = scanners.Accept(count);
            await command.AcknowledgeAsync(cancellation).ConfigureAwait(false);
            metrics.ScannerCountHandled(outcome);
            LogScannerCount(logger, count.EventId, count.LocationId, outcome, detail);
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "expected stock from the cloud: {Mode} of {Items} items [event {EventId}]")]
    private static partial void LogExpectedStock(ILogger logger, ExpectedStockMode mode, int items, Guid eventId);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "expected stock from the cloud: event {EventId} was applied before (a redelivery); ignored")]
    private static partial void LogExpectedStockDuplicate(ILogger logger, Guid eventId);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "scanner count {EventId} for {LocationId} from the cloud: {Outcome} ({Detail})")]
    private static partial void LogScannerCount(ILogger logger, Guid eventId, string locationId, ScannerCountOutcome outcome, string detail);
}
