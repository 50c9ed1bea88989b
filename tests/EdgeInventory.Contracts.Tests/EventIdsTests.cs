using EdgeInventory.Contracts;

namespace EdgeInventory.Contracts.Tests;

public class EventIdsTests
{
    [Fact]
    public void Ids_are_version_7_with_the_rfc_variant_and_the_current_time()
    {
        DateTimeOffset before = DateTimeOffset.UtcNow.AddMilliseconds(-1);
        Guid id = EventIds.NewId();
        Assert.Equal(7, id.Version);
        Assert.Equal(0b10, id.ToByteArray(bigEndian: true)[8] >> 6);
        DateTimeOffset stamp = EventIds.Timestamp(id);
        Assert.InRange(stamp, before, DateTimeOffset.UtcNow.AddSeconds(1));
    }

    [Fact]
    public void Ids_made_in_a_burst_sort_in_the_order_they_were_made()
    {
        // 20,000 ids take a few milliseconds, so many share a millisecond: order comes from the counter.
        var ids = new string[20_000];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = EventIds.NewId().ToString();
        }
        string[] sorted = (string[])ids.Clone();
        Array.Sort(sorted, StringComparer.Ordinal);
        Assert.Equal(ids, sorted);
        Assert.Equal(ids.Length, ids.Distinct().Count());
    }

    [Fact]
    public void A_clock_that_goes_back_does_not_break_the_order()
    {
        var clock = new SteppedClock(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var generator = new EventIdGenerator(clock);
        Guid first = generator.NewId();
        clock.Now = clock.Now.AddSeconds(-5);
        Guid second = generator.NewId();
        Assert.True(string.CompareOrdinal(first.ToString(), second.ToString()) < 0);
        Assert.Equal(clock.Now.AddSeconds(5), EventIds.Timestamp(second));
    }

    private sealed class SteppedClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
