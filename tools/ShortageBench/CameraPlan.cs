using EdgeInventory.Scenes;

namespace EdgeInventory.ShortageBench;

/// <summary>What one frame of a harness camera shows: the products taken away and what passes in front.</summary>
internal sealed record FrameScript(int[] Removed, Occluder? Occluder, bool[] OccludedZones)
{
    /// <summary>Equal scripts render equal frames: the key of the detection cache.</summary>
    public string Key => string.Join(',', Removed) + "|" + (Occluder is { } o ? $"{o.Kind}:{o.CenterX:R}:{o.Width:R}" : "-");
}

/// <summary>One harness camera: a photo, the bays that are its zones, and the script of every frame.</summary>
internal sealed record HarnessCamera(
    string Id,
    ShelfPhoto Photo,
    ShelfRenderer Renderer,
    IReadOnlyList<ShelfBay> Zones,
    IReadOnlyList<int> MinFacings,
    IReadOnlyList<FrameScript> Frames,
    string Story);

/// <summary>
/// Builds the cameras. Each camera is a group of consecutive shelf rows of one photo with at least four
/// bays; several cameras may come from one photo (other rows). Every camera runs the same timeline with
/// bays drawn by a seeded generator:
/// <list type="bullet">
/// <item>frames 0–7: everything full (the agent commissions its zones);</item>
/// <item>bay A is emptied product by product, one every second frame from frame 8, and restocked at frame 30;</item>
/// <item>bay B drops to a third at frame 9 (the products of one end taken at once) and stays there;</item>
/// <item>bay D loses the middle half of its products at frame 11 (a gap, still at its minimum) and stays so;</item>
/// <item>a shopper (every third camera: a trolley) stands over bay C for frames 22–24;</item>
/// <item>frames up to 39 let the agent settle after the restock.</item>
/// </list>
/// Planned facings are the bay's products on the photo; the minimum is half of them (rounded up). The
/// drops of B and D fall on odd frames and A's removals on even ones: two neighbouring zones that lose half
/// their products in the same sampling interval look exactly like a shopper in front of them (a known limit
/// of the agent's occlusion rule, agent/Counting/README.md), which this timeline does not claim to test.
/// </summary>
internal static class CameraPlan
{
    public const int FrameCount = 40;
    public const int EmptyingStart = 8;
    public const int EmptyingStep = 2;
    public const int PartialDropAt = 9;
    public const int GapOpensAt = 11;
    public const int OcclusionStart = 22;
    public const int OcclusionFrames = 3;
    public const int RestockAt = 30;
    private const int MinBaysPerCamera = 4;
    private const int MaxCamerasPerPhoto = 3;

    public static int MinFacingsFor(int planned) => Math.Max(1, (planned + 1) / 2);

    public static List<HarnessCamera> Build(IReadOnlyList<ShelfPhoto> photos, int seed, int maxCameras)
    {
        var cameras = new List<HarnessCamera>();
        var rng = new Random(seed);
        foreach (ShelfPhoto photo in photos)
        {
            ShelfLayout layout = ShelfLayout.Find(photo);
            var renderer = new ShelfRenderer(photo, seed);
            int made = 0;
            int row = 0;
            while (row < layout.Rows.Count && made < MaxCamerasPerPhoto)
            {
                // Consecutive rows until the group has enough bays.
                var bays = new List<ShelfBay>();
                int last = row;
                while (last < layout.Rows.Count && bays.Count < MinBaysPerCamera)
                {
                    bays.AddRange(layout.Rows[last].Bays);
                    last++;
                }

                row = last;
                if (bays.Count < MinBaysPerCamera)
                {
                    break;
                }

                string id = $"{photo.Name}-c{made}";
                cameras.Add(Script(id, photo, renderer, bays, rng, cameras.Count));
                made++;
                if (cameras.Count >= maxCameras)
                {
                    return cameras;
                }
            }
        }

        return cameras;
    }

    private static HarnessCamera Script(string id, ShelfPhoto photo, ShelfRenderer renderer, List<ShelfBay> bays, Random rng, int cameraIndex)
    {
        int[] order = [.. Enumerable.Range(0, bays.Count).OrderBy(_ => rng.Next())];
        int a = order[0], b = order[1];
        // The occluded bay is neither A nor B, so what it raises during the occlusion can only be the occlusion's.
        int c = order[2];
        int d = order[3];
        ShelfBay emptied = bays[a], partial = bays[b], hidden = bays[c], gapped = bays[d];
        int gapWidth = gapped.PlannedFacings / 2;
        int[] gapGone = [.. gapped.ProductIndices.Skip((gapped.PlannedFacings - gapWidth) / 2).Take(gapWidth)];
        bool fromLeft = rng.Next(2) == 0;
        int keep = Math.Max(1, (int)Math.Round(partial.PlannedFacings / 3.0));
        int[] partialGone = fromLeft ? [.. partial.ProductIndices.Skip(keep)] : [.. partial.ProductIndices.Take(partial.PlannedFacings - keep)];
        int[] emptyingOrder = rng.Next(2) == 0 ? [.. emptied.ProductIndices] : [.. emptied.ProductIndices.Reverse()];
        OccluderKind kind = cameraIndex % 3 == 2 ? OccluderKind.Trolley : OccluderKind.Shopper;
        double centre = (hidden.X1 + hidden.X2) / 2;
        var occluder = new Occluder(kind, centre, Math.Min(0.6, hidden.Width * 1.6));

        var frames = new List<FrameScript>();
        for (int f = 0; f < FrameCount; f++)
        {
            var removed = new List<int>();
            if (f < RestockAt)
            {
                int taken = f < EmptyingStart ? 0 : Math.Min(emptyingOrder.Length, ((f - EmptyingStart) / EmptyingStep) + 1);
                removed.AddRange(emptyingOrder.Take(taken));
            }

            if (f >= PartialDropAt)
            {
                removed.AddRange(partialGone);
            }

            if (f >= GapOpensAt)
            {
                removed.AddRange(gapGone);
            }

            bool occluded = f >= OcclusionStart && f < OcclusionStart + OcclusionFrames;
            bool[] hiddenZones = new bool[bays.Count];
            if (occluded)
            {
                double left = occluder.CenterX - (occluder.Width / 2), right = occluder.CenterX + (occluder.Width / 2);
                double top = kind == OccluderKind.Trolley ? 0.42 : 0.0;
                for (int z = 0; z < bays.Count; z++)
                {
                    hiddenZones[z] = bays[z].X1 < right && bays[z].X2 > left && bays[z].Y2 > top;
                }
            }

            removed.Sort();
            frames.Add(new FrameScript([.. removed], occluded ? occluder : null, hiddenZones));
        }

        string story = $"{emptied.Id} emptied ({emptied.PlannedFacings} products) and restocked; {partial.Id} drops to {keep} of {partial.PlannedFacings}; {gapped.Id} loses {gapWidth} of {gapped.PlannedFacings} in the middle; {kind.ToString().ToLowerInvariant()} over {hidden.Id}";
        return new HarnessCamera(id, photo, renderer, bays, [.. bays.Select(z => MinFacingsFor(z.PlannedFacings))], frames, story);
    }
}
