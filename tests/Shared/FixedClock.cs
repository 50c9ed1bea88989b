namespace EdgeInventory.Testing;

/// <summary>A clock that stays where it is set: for asserting that a component dates things by the clock it is given.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
