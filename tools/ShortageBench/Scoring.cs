using EdgeInventory.Contracts;
using EdgeInventory.Scenes;

namespace EdgeInventory.ShortageBench;

/// <summary>A stretch of frames during which one shortage really held in one zone.</summary>
internal sealed record TruthEpisode(string Camera, string Zone, DiscrepancyKind Kind, int Start, int End)
{
    public int Frames => End - Start;

    /// <summary>Long enough that the agent's smoothing can confirm it; shorter ones may be raised but need not be.</summary>
    public bool Required { get; init; }

    public RaisedShortage? MatchedBy { get; set; }
}

/// <summary>A shortage start the agent raised, in frames (sampling intervals) from the camera's first frame.</summary>
internal sealed record RaisedShortage(string Camera, string Zone, DiscrepancyKind Kind, Severity Severity, int RaisedAt, int StartedAt, string Detail)
{
    public TruthEpisode? Matches { get; set; }

    /// <summary>Why an unmatched event is false: "full zone", "occlusion", "wrong kind" (another shortage was true).</summary>
    public string? FalseBecause { get; set; }

    public bool Pages => Severity >= Severity.Warning;
}

internal static class Scoring
{
    public static DiscrepancyKind? KindOf(TrueShortage truth) => truth switch
    {
        TrueShortage.OutOfStock => DiscrepancyKind.OutOfStock,
        TrueShortage.BelowMinimum => DiscrepancyKind.BelowMinimum,
        TrueShortage.Gap => DiscrepancyKind.Gap,
        _ => null,
    };

    public static bool IsShortage(DiscrepancyKind kind) => kind is DiscrepancyKind.OutOfStock or DiscrepancyKind.BelowMinimum or DiscrepancyKind.Gap;

    /// <summary>Runs of equal truth per zone become episodes; <paramref name="requiredFrames"/> decides which the agent must raise.</summary>
    public static List<TruthEpisode> Episodes(string camera, IReadOnlyList<string> zones, TrueShortage[][] truthByFrame, int requiredFrames)
    {
        var episodes = new List<TruthEpisode>();
        for (int z = 0; z < zones.Count; z++)
        {
            int f = 0;
            while (f < truthByFrame.Length)
            {
                TrueShortage t = truthByFrame[f][z];
                int end = f + 1;
                while (end < truthByFrame.Length && truthByFrame[end][z] == t)
                {
                    end++;
                }

                if (KindOf(t) is { } kind)
                {
                    episodes.Add(new TruthEpisode(camera, zones[z], kind, f, end) { Required = end - f >= requiredFrames });
                }

                f = end;
            }
        }

        return episodes;
    }

    /// <summary>
    /// Matches each raised start with the earliest unmatched episode of its zone and kind that was true at some
    /// frame between the start the event claims (less one frame) and the frame it was raised in; what is left is
    /// false, with its cause.
    /// </summary>
    public static void Match(List<RaisedShortage> raised, List<TruthEpisode> episodes, Func<string, string, int, int, bool> occludedBetween, Func<string, string, int, bool> anyTruthAt)
    {
        foreach (RaisedShortage r in raised.OrderBy(static r => r.RaisedAt))
        {
            TruthEpisode? match = episodes
                .Where(e => e.MatchedBy is null && e.Camera == r.Camera && e.Zone == r.Zone && e.Kind == r.Kind
                    && e.Start <= r.RaisedAt && e.End > Math.Min(r.StartedAt, r.RaisedAt) - 1)
                .OrderBy(static e => e.Start)
                .FirstOrDefault();
            if (match is not null)
            {
                match.MatchedBy = r;
                r.Matches = match;
                continue;
            }

            r.FalseBecause = occludedBetween(r.Camera, r.Zone, Math.Min(r.StartedAt, r.RaisedAt) - 5, r.RaisedAt) ? "occlusion"
                : anyTruthAt(r.Camera, r.Zone, r.RaisedAt) ? "wrong kind"
                : "full zone";
        }
    }
}

/// <summary>Precision, recall and delays over a set of raised starts and truth episodes.</summary>
internal sealed record Figures(
    int Raised,
    int TruePositives,
    int FalsePositives,
    int FalseFullZone,
    int FalseOcclusion,
    int FalseWrongKind,
    int Required,
    int RequiredFound,
    int OptionalFound,
    double Precision,
    double Recall,
    double MeanRaiseDelay,
    int MaxRaiseDelay,
    double MeanStartedDelay,
    int MaxStartedDelay,
    int RaisedWithin3)
{
    public static Figures Of(IReadOnlyList<RaisedShortage> raised, IReadOnlyList<TruthEpisode> episodes)
    {
        var tp = raised.Where(static r => r.Matches is not null).ToList();
        var fp = raised.Where(static r => r.Matches is null).ToList();
        var required = episodes.Where(static e => e.Required).ToList();
        int found = required.Count(e => e.MatchedBy is { } m && raised.Contains(m));
        int optional = episodes.Count(e => !e.Required && e.MatchedBy is { } m && raised.Contains(m));
        var raiseDelays = tp.Select(static r => r.RaisedAt - r.Matches!.Start).ToList();
        var startedDelays = tp.Select(static r => Math.Max(0, r.StartedAt - r.Matches!.Start)).ToList();
        return new Figures(
            raised.Count,
            tp.Count,
            fp.Count,
            fp.Count(static r => r.FalseBecause == "full zone"),
            fp.Count(static r => r.FalseBecause == "occlusion"),
            fp.Count(static r => r.FalseBecause == "wrong kind"),
            required.Count,
            found,
            optional,
            raised.Count == 0 ? 1 : (double)tp.Count / raised.Count,
            required.Count == 0 ? 1 : (double)found / required.Count,
            raiseDelays.Count == 0 ? 0 : raiseDelays.Average(),
            raiseDelays.Count == 0 ? 0 : raiseDelays.Max(),
            startedDelays.Count == 0 ? 0 : startedDelays.Average(),
            startedDelays.Count == 0 ? 0 : startedDelays.Max(),
            raiseDelays.Count(static d => d <= 3));
    }
}
