using System.Text.Json.Nodes;
using EdgeInventory.Agent.Pipeline;
using EdgeInventory.Agent.State;
using EdgeInventory.Contracts;
using EdgeInventory.Reconciliation;
using EdgeInventory.Testing;
using EdgeInventory.Tests.Shared;

namespace EdgeInventory.Agent.Tests.State;

/// <summary>
/// Issue 15, item 2: a scanner count dated in the far future used to be accepted and, as the largest
/// <c>countedAt</c>, stayed the location's latest count for good (also after a restart), so later correct counts
/// were no longer reconciled. A real store and core on a SQLite file, with a fixed clock.
/// </summary>
public sealed class ScannerCountPersistenceTests : IDisposable
{
    private const string Z1 = "s042/A1/B1/z1";

    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    private readonly TempFolder _dir = RepoPaths.NewTempFolder();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("9999-12-31T23:59:59Z")]
    [InlineData("2026-12-04T12:05:01Z")]
    public async Task A_count_dated_beyond_the_clock_skew_allowance_is_refused_with_the_reason_and_stores_nothing(string countedAt)
    {
        await using RunningAgent agent = Start();
        ScannerCount future = Count(3, DateTimeOffset.Parse(countedAt, System.Globalization.CultureInfo.InvariantCulture));

        (ScannerCountOutcome outcome, string detail) = agent.Scanners.Accept(future);

        Assert.Equal(ScannerCountOutcome.FutureDated, outcome);
        Assert.Contains("ahead of this agent's clock", detail, StringComparison.Ordinal);
        Assert.Contains("Reconciliation:ScannerClockSkewSeconds", detail, StringComparison.Ordinal);
        Assert.False(agent.Store.HasScannerCount(future.EventId));
        Assert.Null(agent.Scanners.LatestScannerCount(Z1, "sku-z1"));
    }

    [Fact]
    public async Task A_count_within_the_allowance_is_accepted_and_the_allowance_is_configurable()
    {
        await using (RunningAgent agent = Start())
        {
            Assert.Equal(ScannerCountOutcome.Accepted, agent.Scanners.Accept(Count(3, Now.AddMinutes(4))).Outcome);
        }

        await using RunningAgent strict = Start(skewSeconds: 0);
        Assert.Equal(ScannerCountOutcome.FutureDated, strict.Scanners.Accept(Count(3, Now.AddSeconds(1))).Outcome);
        Assert.Equal(ScannerCountOutcome.Accepted, strict.Scanners.Accept(Count(4, Now)).Outcome);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(86401)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void An_allowance_out_of_range_is_refused_at_start_naming_the_key(double skewSeconds)
    {
        var refused = Assert.Throws<Configuration.AgentConfigurationException>(() => Start(skewSeconds));
        Assert.Contains("Agent:Reconciliation:ScannerClockSkewSeconds", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_latest_count_is_the_one_accepted_last_also_after_a_restart()
    {
        ScannerCount second = Count(9, Now.AddMinutes(-10));
        await using (RunningAgent first = Start())
        {
            Assert.Equal(ScannerCountOutcome.Accepted, first.Scanners.Accept(Count(5, Now.AddMinutes(2))).Outcome);
            // Counted earlier (a scanner's clock a little behind), accepted later: it is the count to reconcile.
            Assert.Equal(ScannerCountOutcome.Accepted, first.Scanners.Accept(second).Outcome);
            Assert.Equal(second.EventId, first.Scanners.LatestScannerCount(Z1, "sku-z1")?.EventId);
        }

        await using RunningAgent restarted = Start();
        Assert.Equal(second.EventId, restarted.Scanners.LatestScannerCount(Z1, "sku-z1")?.EventId);
    }

    [Fact]
    public async Task A_far_future_count_stored_before_the_fix_gives_way_to_the_next_accepted_count_after_a_restart()
    {
        ScannerCount jam = Count(1, new DateTimeOffset(9999, 12, 31, 23, 59, 59, TimeSpan.Zero));
        await using (RunningAgent before = Start())
        {
            // Written the way the agent without the check stored it.
            before.Store.Record([], [], new ScannerCountRecord(jam.LocationId, jam.Sku, jam.Quantity, jam.CountedAt, jam.DeviceId, jam.EventId));
        }

        ScannerCount correct = Count(6, Now);
        await using (RunningAgent after = Start())
        {
            Assert.Equal(ScannerCountOutcome.Accepted, after.Scanners.Accept(correct).Outcome);
            Assert.Equal(correct.EventId, after.Scanners.LatestScannerCount(Z1, "sku-z1")?.EventId);
        }

        await using RunningAgent restarted = Start();
        Assert.Equal(correct.EventId, restarted.Scanners.LatestScannerCount(Z1, "sku-z1")?.EventId);
    }

    private RunningAgent Start(double? skewSeconds = null) => RunningAgent.Start(_dir, config =>
    {
        if (skewSeconds is double skew)
        {
            // As text, the way an operator may write NaN or Infinity (JSON numbers cannot be either).
            config["Agent"]!["Reconciliation"] = new JsonObject { ["ScannerClockSkewSeconds"] = skew.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        }
    }, new FixedClock(Now));

    private static ScannerCount Count(int quantity, DateTimeOffset countedAt) => new()
    {
        EventId = EventIds.NewId(), OccurredAt = Now, StoreId = "s042", DeviceId = "scanner-17", ModelVersion = null,
        LocationId = Z1, Sku = "sku-z1", Quantity = quantity, CountedAt = countedAt,
    };

}
