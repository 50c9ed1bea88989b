namespace EdgeInventory.Forecasting.Methods;

/// <summary>
/// Per-thread scratch memory for the methods, so that forecasting a series allocates (almost) nothing
/// in steady state. One workspace per thread (e.g. Parallel.For's thread-local state); never shared.
/// Buffers are handed out stack-wise: <see cref="Rent"/> inside a <see cref="Scope"/>, released when
/// the scope ends.
/// </summary>
public sealed class ForecastWorkspace
{
    private double[] _arena = new double[8192];
    private int _used;

    /// <summary>A zeroed buffer of <paramref name="length"/> doubles, valid until the enclosing scope ends.</summary>
    public Span<double> Rent(int length)
    {
        if (_used + length > _arena.Length)
        {
            // Spans already handed out keep pointing at the old array, which stays alive through them;
            // the next scope starts in the bigger one.
            _arena = new double[Math.Max(_arena.Length * 2, length * 4)];
            _used = 0;
        }
        var span = _arena.AsSpan(_used, length);
        _used += length;
        span.Clear();
        return span;
    }

    /// <summary>Marks the current position; disposing the scope gives back everything rented since.</summary>
    public WorkspaceScope Scope() => new(this, _arena, _used);

    /// <summary>Returned by <see cref="Scope"/>; a struct so that scoping allocates nothing.</summary>
    public readonly struct WorkspaceScope(ForecastWorkspace owner, double[] arena, int mark) : IDisposable
    {
        public void Dispose()
        {
            // If the arena grew inside the scope, the new one is simply reused from its start later.
            if (ReferenceEquals(owner._arena, arena))
                owner._used = mark;
            else
                owner._used = 0;
        }
    }
}
