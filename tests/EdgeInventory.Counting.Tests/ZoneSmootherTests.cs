using EdgeInventory.Counting;
using EdgeInventory.Tests.Shared;

namespace EdgeInventory.Counting.Tests;

public class ZoneSmootherTests
{
    private static readonly DateTimeOffset T0 = new(2025, 6, 12, 9, 0, 0, TimeSpan.Zero);

    private static readonly SmoothingSettings Settings = new()
    {
        Window = 5,
        InertiaObservations = 3,
        Inertia = TimeSpan.FromSeconds(10),
        OcclusionMaxObservations = 4,
        OcclusionMax = TimeSpan.FromSeconds(30),
    };

    /// <summary>Three shelves stacked on top of each other (neighbours) and one far away.</summary>
    private static ZoneDefinition[] Shelves() =>
    [
        TestZones.Zone("s1", 0, 0.00, 0.5, 0.2),
        TestZones.Zone("s2", 0, 0.20, 0.5, 0.4),
        TestZones.Zone("s3", 0, 0.40, 0.5, 0.6),
        TestZones.Zone("far", 0.8, 0.8, 1.0, 1.0),
    ];

    private sealed class Feed(ZoneSmoother smoother)
    {
        public DateTimeOffset Now { get; private set; } = T0;

        public bool[] Changed { get; } = new bool[smoother.Count];

        /// <summary>One frame every 5 s with these facings per zone.</summary>
        public int Frame(params int[] facings)
        {
            var obs = facings.Select(f => new ZoneObservation(f, 0, f == 0 ? 1 : 0)).ToArray();
            int n = smoother.Update(obs, Now, Changed);
            Now += TimeSpan.FromSeconds(5);
            return n;
        }
    }

    [Fact]
    public void A_state_is_confirmed_only_after_the_inertia_in_observations_and_seconds()
    {
        var smoother = new ZoneSmoother(Shelves(), Settings);
        var feed = new Feed(smoother);
        feed.Frame(8, 8, 8, 4);
        feed.Frame(8, 8, 8, 4);
        Assert.Null(smoother.Confirmed(0)); // 2 observations, 5 s
        feed.Frame(8, 8, 8, 4);
        // 3 observations at 0, 5, 10 s: both conditions met.
        Assert.Equal(8, smoother.Confirmed(0)!.Value.Facings);
        Assert.Equal(T0, smoother.Confirmed(0)!.Value.Since);
    }

    [Fact]
    public void Bare_width_seen_by_the_pixels_alone_is_a_new_state_confirmed_after_the_inertia()
    {
        // The detector keeps finding its 6 boxes (some on bare shelf) while the pixels see half the width go bare.
        var smoother = new ZoneSmoother([TestZones.Zone("z", 0, 0, 1, 1)], Settings);
        var changed = new bool[1];
        DateTimeOffset at = T0;
        for (int i = 0; i < 3; i++, at += TimeSpan.FromSeconds(5))
        {
            smoother.Update([new ZoneObservation(6, 0, 0.1, BareFraction: 0.0)], at, changed);
        }

        Assert.Equal(0.0, smoother.Confirmed(0)!.Value.BareFraction);
        for (int i = 0; i < 2; i++, at += TimeSpan.FromSeconds(5))
        {
            smoother.Update([new ZoneObservation(6, 0, 0.1, BareFraction: 0.5)], at, changed);
        }

        Assert.Equal(0.0, smoother.Confirmed(0)!.Value.BareFraction); // the window's median has not moved yet
        for (int i = 0; i < 4; i++, at += TimeSpan.FromSeconds(5))
        {
            smoother.Update([new ZoneObservation(6, 0, 0.1, BareFraction: 0.5)], at, changed);
        }

        Assert.Equal(0.5, smoother.Confirmed(0)!.Value.BareFraction);
        Assert.Equal(6, smoother.Confirmed(0)!.Value.Facings);
    }

    [Fact]
    public void Frames_whose_pixels_were_not_read_leave_the_median_of_those_that_were()
    {
        var smoother = new ZoneSmoother([TestZones.Zone("z", 0, 0, 1, 1)], Settings);
        var changed = new bool[1];
        smoother.Update([new ZoneObservation(4, 0, 0, BareFraction: 0.25)], T0, changed);
        smoother.Update([new ZoneObservation(4, 0, 0)], T0 + TimeSpan.FromSeconds(5), changed);
        Assert.Equal(0.25, smoother.Proposed(0)!.Value.BareFraction);
        Assert.True(double.IsNaN(new ZoneSmoother([TestZones.Zone("z", 0, 0, 1, 1)], Settings).Proposed(0)?.BareFraction ?? double.NaN));
    }

    [Fact]
    public void Many_observations_in_a_short_time_do_not_beat_the_seconds_of_inertia()
    {
        var smoother = new ZoneSmoother([TestZones.Zone("z", 0, 0, 1, 1)], Settings);
        var changed = new bool[1];
        for (int i = 0; i < 10; i++)
        {
            smoother.Update([new ZoneObservation(5, 0, 0)], T0 + TimeSpan.FromSeconds(i), changed);
        }

        Assert.Null(smoother.Confirmed(0));
        smoother.Update([new ZoneObservation(5, 0, 0)], T0 + TimeSpan.FromSeconds(10), changed);
        Assert.True(changed[0]);
    }

    [Fact]
    public void A_brief_drop_in_one_zone_changes_nothing_and_a_lasting_one_is_confirmed_with_its_start_time()
    {
        var smoother = new ZoneSmoother(Shelves(), Settings);
        var feed = new Feed(smoother);
        for (int i = 0; i < 5; i++)
        {
            feed.Frame(8, 8, 8, 4);
        }

        // A shopper in front of shelf 1 for two frames: the far zone is no neighbour, shelf 2 keeps its count.
        feed.Frame(1, 8, 8, 4);
        feed.Frame(0, 8, 8, 4);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(0, feed.Frame(8, 8, 8, 4));
        }

        Assert.Equal(8, smoother.Confirmed(0)!.Value.Facings);
        Assert.False(smoother.IsOccluded(0)); // a single zone's drop is not occlusion: inertia alone guards it

        // The shelf really empties: the window median follows after 3 frames, inertia after 3 more observations / 10 s.
        DateTimeOffset firstDifferent = DateTimeOffset.MinValue;
        for (int i = 0; i < 8 && smoother.Confirmed(0)!.Value.Facings != 0; i++)
        {
            if (smoother.Proposed(0)!.Value.Facings == 0 && firstDifferent == DateTimeOffset.MinValue)
            {
                firstDifferent = feed.Now - TimeSpan.FromSeconds(5);
            }

            feed.Frame(0, 8, 8, 4);
        }

        Assert.Equal(0, smoother.Confirmed(0)!.Value.Facings);
        Assert.Equal(8, smoother.Confirmed(1)!.Value.Facings);
        Assert.Equal(firstDifferent, smoother.Confirmed(0)!.Value.Since);
    }

    [Fact]
    public void Neighbouring_zones_collapsing_together_are_occluded_and_leave_the_window_alone()
    {
        var smoother = new ZoneSmoother(Shelves(), Settings);
        var feed = new Feed(smoother);
        for (int i = 0; i < 5; i++)
        {
            feed.Frame(8, 8, 8, 4);
        }

        // A trolley in front of shelves 1 and 2 for four frames (20 s, more than the inertia).
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(0, feed.Frame(0, 1, 8, 4));
            Assert.True(smoother.IsOccluded(0));
            Assert.True(smoother.IsOccluded(1));
            Assert.False(smoother.IsOccluded(2));
        }

        feed.Frame(8, 8, 8, 4);
        Assert.False(smoother.IsOccluded(0));
        Assert.Equal(8, smoother.Proposed(0)!.Value.Facings);
        Assert.Equal(8, smoother.Confirmed(0)!.Value.Facings);
        Assert.Equal(8, smoother.Confirmed(1)!.Value.Facings);
    }

    [Fact]
    public void A_shelf_emptied_beside_one_that_emptied_earlier_is_not_taken_for_a_shopper()
    {
        var smoother = new ZoneSmoother(Shelves(), Settings);
        var feed = new Feed(smoother);
        for (int i = 0; i < 5; i++)
        {
            feed.Frame(8, 8, 8, 4);
        }

        // Shelf 2 drops to a third; two frames later shelf 1, its neighbour, is emptied too. Before, the two
        // collapsed shelves were taken for one blockage and held back until the occlusion limit.
        feed.Frame(8, 3, 8, 4);
        feed.Frame(8, 3, 8, 4);
        int frames = 0;
        while (smoother.Confirmed(0)!.Value.Facings != 0 && frames < 30)
        {
            feed.Frame(0, 3, 8, 4);
            Assert.False(smoother.IsOccluded(0));
            Assert.False(smoother.IsOccluded(1));
            frames++;
        }

        Assert.Equal(0, smoother.Confirmed(0)!.Value.Facings);
        Assert.Equal(3, smoother.Confirmed(1)!.Value.Facings);
        // 3 frames for the median, then the inertia (3 observations, 10 s): not the occlusion limit.
        Assert.InRange(frames, 3, 6);
    }

    [Fact]
    public void A_count_that_rose_and_then_fell_does_not_inherit_the_inertia_of_the_rise()
    {
        var smoother = new ZoneSmoother(Shelves(), Settings with { Inertia = TimeSpan.FromSeconds(20) });
        var feed = new Feed(smoother);
        for (int i = 0; i < 5; i++)
        {
            feed.Frame(8, 8, 8, 8);
        }

        Assert.Equal(8, smoother.Confirmed(3)!.Value.Facings);
        // The lone shelf reads one more product for four frames (not long enough), then nothing for three (a
        // shopper in front of it alone), then its eight again. Before, the drop was confirmed at once: the
        // pending state had been "different" for 20 s, first up and then down.
        foreach (int seen in new[] { 9, 9, 9, 9, 0, 0, 0, 8, 8, 8, 8, 8 })
        {
            feed.Frame(8, 8, 8, seen);
            Assert.NotEqual(0, smoother.Confirmed(3)!.Value.Facings);
        }

        Assert.Equal(8, smoother.Confirmed(3)!.Value.Facings);
    }

    [Fact]
    public void A_shopper_hiding_a_shelf_fully_and_its_neighbour_partly_is_an_occlusion_for_both()
    {
        var smoother = new ZoneSmoother(Shelves(), Settings);
        var feed = new Feed(smoother);
        for (int i = 0; i < 5; i++)
        {
            feed.Frame(8, 8, 8, 4);
        }

        // Shelf 1 hidden, shelf 2 loses a quarter (a drop, not a collapse), in the same frame; then the
        // shopper walks on over shelf 3 while still hiding the others.
        Assert.Equal(0, feed.Frame(0, 6, 8, 4));
        Assert.True(smoother.IsOccluded(0));
        Assert.True(smoother.IsOccluded(1));
        Assert.Equal(0, feed.Frame(0, 6, 5, 4));
        Assert.True(smoother.IsOccluded(2));
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(0, feed.Frame(0, 6, 5, 4));
        }

        feed.Frame(8, 8, 8, 4);
        Assert.Equal([8, 8, 8], Enumerable.Range(0, 3).Select(z => smoother.Confirmed(z)!.Value.Facings));
        Assert.Equal(8, smoother.Proposed(1)!.Value.Facings);
    }

    [Fact]
    public void A_collapse_that_outlasts_the_occlusion_limit_is_taken_as_real()
    {
        var smoother = new ZoneSmoother(Shelves(), Settings);
        var feed = new Feed(smoother);
        for (int i = 0; i < 5; i++)
        {
            feed.Frame(8, 8, 8, 4);
        }

        int frames = 0;
        while (smoother.Confirmed(0)!.Value.Facings != 0 && frames < 30)
        {
            feed.Frame(0, 0, 8, 4);
            frames++;
        }

        Assert.Equal(0, smoother.Confirmed(0)!.Value.Facings);
        Assert.Equal(0, smoother.Confirmed(1)!.Value.Facings);
        // Occlusion limit (more than 4 frames and 30 s), then 3 frames for the median and 10 s of inertia.
        Assert.InRange(frames, 8, 14);
    }

    [Fact]
    public void A_restored_state_is_kept_until_a_different_one_passes_the_inertia()
    {
        var smoother = new ZoneSmoother([TestZones.Zone("z", 0, 0, 1, 1)], Settings);
        smoother.Restore(0, new ConfirmedZoneState(0, 0, 1, T0 - TimeSpan.FromHours(1)));
        var changed = new bool[1];
        smoother.Update([new ZoneObservation(0, 0, 1)], T0, changed);
        Assert.False(changed[0]);
        Assert.Equal(T0 - TimeSpan.FromHours(1), smoother.Confirmed(0)!.Value.Since);
    }

    [Fact]
    public void Invalid_settings_are_refused_naming_the_setting()
    {
        var e = Assert.Throws<ArgumentException>(() => new ZoneSmoother([], Settings with { Window = 0 }));
        Assert.Contains("Window", e.Message);
    }
}
