namespace EdgeInventory.Simulator.Chain;

/// <summary>What a run of the simulated chain looks like; the command line fills it (Program.cs).</summary>
internal sealed record ChainOptions
{
    /// <summary>"demo" or "simulate": how the run names itself in its lines and in the lock.</summary>
    public required string Name { get; init; }

    public int Stores { get; init; } = 2;

    public int Cameras { get; init; } = 2;

    /// <summary>Seconds to run once the cameras are read; null: until Ctrl-C.</summary>
    public double? Duration { get; init; }

    /// <summary>A store's day, compressed: its sales, restocks, shoppers and faults repeat with this period.</summary>
    public double DaySeconds { get; init; } = 240;

    /// <summary>Each camera's frame interval (the agent's <c>IntervalSeconds</c>).</summary>
    public double IntervalSeconds { get; init; } = 1;

    public int BrokerPort { get; init; } = 1883;

    public int HttpPort { get; init; } = 8090;

    public int Seed { get; init; } = 1;

    /// <summary>Folders of labelled photos (<c>images/</c> and <c>labels/</c> with YOLO text), used in order, camera by camera.</summary>
    public required IReadOnlyList<string> PhotoFolders { get; init; }

    /// <summary>Where truth.json and score.json go; null: the run's folder.</summary>
    public string? Out { get; init; }

    /// <summary>Load mode: this many contract messages published straight to the broker (no agents, no cameras); null: the stores run.</summary>
    public int? LoadEvents { get; init; }

    /// <summary>Load mode: events/s over all stores; null: as fast as the broker acknowledges.</summary>
    public int? LoadRate { get; init; }

    /// <summary>Seconds between two summary lines.</summary>
    public double SummaryEvery { get; init; } = 5;
}
