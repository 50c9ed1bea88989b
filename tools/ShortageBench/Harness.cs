using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EdgeInventory.Agent.Configuration;
using EdgeInventory.Contracts;
using EdgeInventory.Counting;
using EdgeInventory.Imaging;
using EdgeInventory.Onnx;
using EdgeInventory.Scenes;
using EdgeInventory.Vision.Imaging;
using EdgeInventory.Vision.Imaging.TurboJpeg;
using EdgeInventory.Vision.Yolo;

namespace EdgeInventory.ShortageBench;

internal sealed record HarnessOptions(
    string Data,
    string Split,
    bool WithSamples,
    string Model,
    int MaxCameras,
    int Seed,
    double IntervalSeconds,
    int Threads,
    string? JsonFile,
    string? DetectionCache,
    IReadOnlyDictionary<string, string> Overrides,
    string? DumpFolder);

/// <summary>Runs every camera frame by frame through the detector and the agent, and scores what it raised.</summary>
internal static class Harness
{
    /// <summary>
    /// Truth episodes shorter than this many frames need not be raised: at the agent's default smoothing (median of
    /// 5, a new state held for 3 observations and 20 s) a state lasting less may never be confirmed, by design.
    /// </summary>
    private const int RequiredEpisodeFrames = 6;

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgeInventory.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("EdgeInventory.sln not found above " + AppContext.BaseDirectory);
    }

    public static int Run(HarnessOptions o, TextWriter stdout, TextWriter stderr)
    {
        if (!File.Exists(o.Model))
        {
            stderr.WriteLine($"bench shortage: --model {o.Model}: no such file");
            return 2;
        }

        string imageFolder = Path.Combine(o.Data, "images", o.Split);
        if (!Directory.Exists(imageFolder))
        {
            stderr.WriteLine($"bench shortage: --data {o.Data} --split {o.Split}: {imageFolder} is not a folder");
            return 2;
        }

        var samples = new HashSet<string>(Directory.EnumerateFiles(Path.Combine(RepoRoot(), "models", "samples", "images"))
            .Select(static p => Path.GetFileNameWithoutExtension(p).Replace("shelf_", "", StringComparison.Ordinal)));
        var photos = new List<ShelfPhoto>();
        using (var reader = new StillImageReader())
        {
            foreach ((string image, string label) in ShelfPhoto.List(o.Data, o.Split))
            {
                if (!o.WithSamples && samples.Contains(Path.GetFileNameWithoutExtension(image)))
                {
                    continue;
                }

                photos.Add(ShelfPhoto.Load(image, label, reader));
            }
        }

        List<HarnessCamera> cameras = CameraPlan.Build(photos, o.Seed, o.MaxCameras);
        using YoloDetector detector = YoloDetector.Open(o.Model, new InferenceSessionOptions { IntraOpThreads = o.Threads });
        stdout.WriteLine($"bench shortage: {cameras.Count} cameras from {cameras.Select(static c => c.Photo.Name).Distinct().Count()} photos of {o.Data} ({o.Split}{(o.WithSamples ? "" : ", without models/samples")}), " +
            $"{CameraPlan.FrameCount} frames each at {o.IntervalSeconds.ToString(CultureInfo.InvariantCulture)} s, model {detector.Model.Version}" +
            (o.Overrides.Count > 0 ? ", " + string.Join(' ', o.Overrides.Select(static kv => $"{kv.Key}={kv.Value}")) : ""));

        var raised = new List<RaisedShortage>();
        var episodes = new List<TruthEpisode>();
        var occluded = new Dictionary<(string Camera, string Zone), bool[]>();
        var truths = new Dictionary<(string Camera, string Zone), TrueShortage[]>();
        var traces = new List<object>();
        int detections = 0, fromDisk = 0;
        var disk = new DetectionCache(o.DetectionCache, o.Model);
        long started = Stopwatch.GetTimestamp();
        double detectSeconds = 0;
        AgentSettings? settingsSeen = null;
        for (int ci = 0; ci < cameras.Count; ci++)
        {
            HarnessCamera camera = cameras[ci];
            using var agent = new AgentUnderTest(camera, o.Model, detector.Model.Version, detector.Model.Names, o.IntervalSeconds, o.Overrides);
            settingsSeen ??= agent.Settings;
            double gapThreshold = agent.Settings.Reconciler.GapThreshold;
            var cache = new Dictionary<string, List<Detection>>();
            var frame = new BgrImage();
            var t0 = new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);
            var truthByFrame = new TrueShortage[camera.Frames.Count][];
            var trace = new List<object>();
            for (int f = 0; f < camera.Frames.Count; f++)
            {
                FrameScript script = camera.Frames[f];
                camera.Renderer.RenderInto(frame, script.Removed, script.Occluder);
                if (!cache.TryGetValue(script.Key, out List<Detection>? boxes))
                {
                    if (disk.TryLoad(camera.Photo.Name, o.Seed, script.Key, out boxes))
                    {
                        fromDisk++;
                    }
                    else
                    {
                        long d0 = Stopwatch.GetTimestamp();
                        detector.Detect(frame, boxes);
                        detectSeconds += Stopwatch.GetElapsedTime(d0).TotalSeconds;
                        detections++;
                        disk.Save(camera.Photo.Name, o.Seed, script.Key, boxes);
                    }

                    cache[script.Key] = boxes;
                    if (ci == 0 && o.DumpFolder is not null)
                    {
                        Dump(o.DumpFolder, camera, f, frame);
                    }
                }

                DateTimeOffset at = t0 + TimeSpan.FromSeconds(o.IntervalSeconds * f);
                IReadOnlyList<DiscrepancyEvent> events = agent.Process(boxes, frame, at);
                truthByFrame[f] = [.. camera.Zones.Select((bay, z) => ShortageTruth.Judge(camera.Photo, bay, script.Removed, camera.MinFacings[z], gapThreshold))];
                foreach (DiscrepancyEvent e in events)
                {
                    if (e.Phase == DiscrepancyPhase.Start && Scoring.IsShortage(e.Kind) && e.ZoneId is not null)
                    {
                        int startedAt = (int)Math.Round((e.StartedAt - t0).TotalSeconds / o.IntervalSeconds);
                        raised.Add(new RaisedShortage(camera.Id, e.ZoneId, e.Kind, e.Severity, f, startedAt, e.Detail ?? ""));
                    }
                }

                trace.Add(new
                {
                    frame = f,
                    removed = script.Removed.Length,
                    occluder = script.Occluder?.Kind.ToString(),
                    zones = camera.Zones.Select((bay, z) => new
                    {
                        zone = bay.Id,
                        truth = truthByFrame[f][z].ToString(),
                        remaining = ShortageTruth.Remaining(bay, script.Removed),
                        observed = agent.Observations[z].Facings,
                        observedEmpty = Math.Round(agent.Observations[z].EmptyFraction, 3),
                        pixelBare = double.IsNaN(agent.Observations[z].BareFraction) ? (double?)null : Math.Round(agent.Observations[z].BareFraction, 3),
                        emptiedTruth = Math.Round(ShortageTruth.EmptiedFraction(camera.Photo, bay, script.Removed), 3),
                        confirmed = agent.Pipeline.Smoother.Confirmed(z)?.Facings,
                        confirmedEmpty = agent.Pipeline.Smoother.Confirmed(z) is { } c ? Math.Round(c.EmptyFraction, 3) : (double?)null,
                        occluded = agent.Pipeline.Smoother.IsOccluded(z),
                        baseline = agent.Pipeline.Baselines[z]?.Facings,
                        baselineEmpty = agent.Pipeline.Baselines[z]?.EmptyFraction is double be ? Math.Round(be, 3) : (double?)null,
                    }).ToArray(),
                    events = events.Select(static e => $"{e.Phase} {e.Kind} {e.Severity} {e.ZoneId}: {e.Detail}").ToArray(),
                });
            }

            string[] zoneIds = [.. camera.Zones.Select(static b => b.Id)];
            episodes.AddRange(Scoring.Episodes(camera.Id, zoneIds, truthByFrame, RequiredEpisodeFrames));
            for (int z = 0; z < zoneIds.Length; z++)
            {
                occluded[(camera.Id, zoneIds[z])] = [.. camera.Frames.Select(fr => fr.OccludedZones[z])];
                truths[(camera.Id, zoneIds[z])] = [.. truthByFrame.Select(t => t[z])];
            }

            traces.Add(new
            {
                camera = camera.Id,
                photo = camera.Photo.Name,
                story = camera.Story,
                zones = camera.Zones.Select((b, z) => new { id = b.Id, planned = b.PlannedFacings, min = camera.MinFacings[z], x1 = b.X1, y1 = b.Y1, x2 = b.X2, y2 = b.Y2 }).ToArray(),
                frames = trace,
            });
            stderr.Write($"\r  camera {ci + 1}/{cameras.Count} ({detections} detector runs, {fromDisk} frames from the cache, {Stopwatch.GetElapsedTime(started).TotalSeconds:0} s)   ");
        }

        stderr.WriteLine();
        Scoring.Match(
            raised,
            episodes,
            (cam, zone, from, to) => occluded[(cam, zone)].Skip(Math.Max(0, from)).Take(Math.Max(0, to - Math.Max(0, from) + 1)).Any(static b => b),
            (cam, zone, f) => truths[(cam, zone)][f] != TrueShortage.None);

        Figures all = Figures.Of(raised, episodes);
        Figures pages = Figures.Of([.. raised.Where(static r => r.Pages)], episodes);
        var byKind = new[] { DiscrepancyKind.OutOfStock, DiscrepancyKind.BelowMinimum, DiscrepancyKind.Gap }
            .ToDictionary(static k => k, k => Figures.Of([.. raised.Where(r => r.Kind == k)], [.. episodes.Where(e => e.Kind == k)]));

        Print(stdout, all, pages, byKind, cameras.Count);
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {detections} detector runs ({(detections == 0 ? 0 : detectSeconds / detections * 1000):0} ms each), {fromDisk} frames' detections from {o.DetectionCache ?? "(no cache)"}, {Stopwatch.GetElapsedTime(started).TotalSeconds:0} s in all"));
        foreach (RaisedShortage r in raised.Where(static r => r.Matches is null))
        {
            stdout.WriteLine($"  false: {r.Camera} {r.Zone} {Camel(r.Kind)} ({r.Severity}, {r.FalseBecause}) raised at frame {r.RaisedAt}: {r.Detail}");
        }

        foreach (TruthEpisode e in episodes.Where(static e => e.Required && e.MatchedBy is null))
        {
            stdout.WriteLine($"  missed: {e.Camera} {e.Zone} {Camel(e.Kind)} frames {e.Start}-{e.End - 1}");
        }

        if (o.JsonFile is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(o.JsonFile))!);
            var report = new
            {
                options = new { o.Data, o.Split, o.WithSamples, o.Model, o.Seed, o.IntervalSeconds, overrides = o.Overrides },
                smoothing = settingsSeen?.Smoothing,
                reconciler = settingsSeen is null ? null : new { settingsSeen.Reconciler.GapThreshold, settingsSeen.Reconciler.GapWarningThreshold },
                cameras = cameras.Count,
                requiredEpisodeFrames = RequiredEpisodeFrames,
                all,
                pages,
                byKind = byKind.ToDictionary(static kv => Camel(kv.Key), static kv => kv.Value),
                raised = raised.Select(static r => new { r.Camera, r.Zone, kind = Camel(r.Kind), severity = r.Severity.ToString(), r.RaisedAt, r.StartedAt, r.Detail, correct = r.Matches is not null, r.FalseBecause }),
                episodes = episodes.Select(static e => new { e.Camera, e.Zone, kind = Camel(e.Kind), e.Start, e.End, e.Required, raised = e.MatchedBy is not null }),
                traces,
            };
            File.WriteAllText(o.JsonFile, JsonSerializer.Serialize(report));
            stdout.WriteLine($"  written: {o.JsonFile}");
        }

        return 0;
    }

    private static void Print(TextWriter w, Figures all, Figures pages, Dictionary<DiscrepancyKind, Figures> byKind, int cameras)
    {
        w.WriteLine();
        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"starts",-14} {"raised",6} {"right",6} {"false",6} {"full",5} {"occl.",5} {"kind",5} {"truth",6} {"found",6} {"precision",9} {"recall",7} {"delay mean/max",15} {"claimed mean/max",17} {"<=3",5}"));
        Row(w, "all", all);
        Row(w, "paging (warn+)", pages);
        foreach ((DiscrepancyKind kind, Figures f) in byKind)
        {
            Row(w, Camel(kind), f);
        }

        w.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  over {cameras} cameras. delay: frames (sampling intervals) from the truth to the event being raised; claimed: to the event's startedAt. false: full = on a zone where nothing was short, occl. = a zone hidden then, kind = another shortage was true. truth: episodes of at least {RequiredEpisodeFrames} frames (shorter ones count when raised, not when missed)"));
    }

    private static void Row(TextWriter w, string name, Figures f) => w.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  {name,-14} {f.Raised,6} {f.TruePositives,6} {f.FalsePositives,6} {f.FalseFullZone,5} {f.FalseOcclusion,5} {f.FalseWrongKind,5} {f.Required,6} {f.RequiredFound,6} {f.Precision,9:0.000} {f.Recall,7:0.000} {$"{f.MeanRaiseDelay:0.0}/{f.MaxRaiseDelay}",15} {$"{f.MeanStartedDelay:0.0}/{f.MaxStartedDelay}",17} {f.RaisedWithin3,5}"));

    private static string Camel(DiscrepancyKind kind) => JsonNamingPolicy.CamelCase.ConvertName(kind.ToString());

    private static void Dump(string folder, HarnessCamera camera, int frameIndex, BgrImage frame)
    {
        Directory.CreateDirectory(folder);
        using var jpeg = new TurboJpegCodec();
        File.WriteAllBytes(Path.Combine(folder, $"{camera.Id}-f{frameIndex:00}.jpg"), jpeg.Encode(frame, 85));
    }
}
