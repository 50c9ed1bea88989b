using EdgeInventory.Agent.Configuration;
using EdgeInventory.Contracts;
using EdgeInventory.Reconciliation;
using Microsoft.Extensions.Logging;

namespace EdgeInventory.Agent.State;

/// <summary>
/// The book of expected stock and its store: the planogram file with the cloud's <c>edgeinv.expected-stock/1</c>
/// updates on top, the same after a restart. An update is committed to the store before the book shows it, under
/// this keeper's own lock: a book that shows an update has it stored, and one whose commit failed was never applied.
/// Thread-safe; the zone pipelines read it while the cloud's commands change it.
/// </summary>
public sealed partial class ExpectedStockKeeper
{
    private readonly Lock _gate = new();
    private readonly ExpectedStockBook _book = new();
    private readonly AgentStore _store;
    private readonly TimeProvider _clock;
    private readonly ILogger _log;

    /// <summary>Loads the planogram's entries and replays the stored updates (unless the planogram's content changed since).</summary>
    public ExpectedStockKeeper(AgentSettings settings, AgentStore store, TimeProvider clock, ILogger<ExpectedStockKeeper> logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _clock = clock ?? throw new ArgumentNullException(nameof(clock));
        _log = logger ?? throw new ArgumentNullException(nameof(logger));
        _book.ReplaceAll(settings.ExpectedStock);
        Restore(new ExpectedStockBase(settings.ExpectedStockFile, settings.ExpectedStockSha256));
    }

    public ExpectedStockEntry? Find(string locationId, string sku) => _book.Find(locationId, sku);

    /// <summary>The expected stock now: the planogram file with the cloud's updates applied.</summary>
    public IReadOnlyList<ExpectedStockEntry> Snapshot() => _book.Snapshot();

    /// <summary>
    /// Applies a cloud expected-stock update (merge or replace), stored first so that a restart replays it on top
    /// of the planogram file; false, changing nothing, when its event id was applied before (a redelivery).
    /// </summary>
    public bool Apply(ExpectedStockUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        lock (_gate)
        {
            // Committed before the book changes, under the same lock: an update the book shows is always stored,
            // and one whose commit failed (the exception goes to the caller) was never applied.
            if (!_store.RecordExpectedStock(update, _clock.GetUtcNow()))
            {
                return false;
            }

            _book.Apply(update);
            return true;
        }
    }

    /// <summary>
    /// Replays the stored cloud updates on top of the planogram file, unless the file's content changed since they
    /// were stored: a newly deployed planogram replaces what the cloud said about the old one (until the cloud's
    /// next update), and replaying a merge onto it would mix the two.
    /// </summary>
    private void Restore(ExpectedStockBase planogram)
    {
        ExpectedStockBase? stored = _store.LoadExpectedStockBase();
        if (stored is not null && stored.Sha256 != planogram.Sha256)
        {
            int discarded = _store.DiscardExpectedStockUpdates(planogram);
            if (discarded > 0)
            {
                LogPlanogramChanged(_log, planogram.File ?? "(none)", stored.File ?? "(none)", discarded);
            }

            return;
        }

        if (stored != planogram)
        {
            // The first start with this table, or the same content under another path: nothing to discard.
            _store.SaveExpectedStockBase(planogram);
        }

        IReadOnlyList<ExpectedStockUpdate> updates = _store.LoadExpectedStockUpdates();
        foreach (ExpectedStockUpdate update in updates)
        {
            _book.Apply(update);
        }

        if (updates.Count > 0)
        {
            LogExpectedStockReplayed(_log, updates.Count, planogram.File ?? "(none)");
        }
    }

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "expected stock: the planogram file {File} is not the content the stored cloud updates were applied to (then {StoredFile}): a new planogram was deployed, so {Discarded} stored cloud updates are discarded and the book is the file's until the cloud's next update")]
    private static partial void LogPlanogramChanged(ILogger logger, string file, string storedFile, int discarded);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Information, Message = "expected stock: {Count} stored cloud updates replayed on top of the planogram file {File}")]
    private static partial void LogExpectedStockReplayed(ILogger logger, int count, string file);
}
