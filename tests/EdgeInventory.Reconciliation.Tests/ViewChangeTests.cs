using EdgeInventory.Imaging;
using EdgeInventory.Reconciliation;
using EdgeInventory.Tests.Shared;

namespace EdgeInventory.Reconciliation.Tests;

public class ViewChangeTests
{
    [Theory]
    [InlineData("shelf_val_107")]
    [InlineData("shelf_val_229")]
    [InlineData("shelf_val_400")]
    public void Emptied_shelves_keep_the_view_while_a_moved_or_covered_camera_changes_it(string photo)
    {
        BgrImage original = SamplePhotos.Load(photo);
        ViewSignature reference = ViewSignature.Of(original);
        Assert.True(reference.Similarity(ViewSignature.Of(original)) > 0.99);

        // Products taken from a band a quarter of the image high: a few cells change, the median does not.
        BgrImage emptied = original.Clone();
        SamplePhotos.Paint(emptied, 0, original.Height / 3, original.Width, (original.Height / 3) + (original.Height / 4), (90, 90, 90));
        double emptiedScore = reference.Similarity(ViewSignature.Of(emptied));

        BgrImage moved = SamplePhotos.Shifted(original, original.Width / 12, original.Height / 20);
        double movedScore = reference.Similarity(ViewSignature.Of(moved));

        BgrImage covered = original.Clone();
        covered.Fill(20, 20, 20);
        double coveredScore = reference.Similarity(ViewSignature.Of(covered));

        var detector = new ViewChangeDetector(reference);
        Assert.True(emptiedScore >= detector.Threshold, $"emptied shelf: similarity {emptiedScore:0.00}");
        Assert.True(movedScore < detector.Threshold, $"moved camera: similarity {movedScore:0.00}");
        Assert.True(coveredScore < detector.Threshold, $"covered camera: similarity {coveredScore:0.00}");
    }

    [Fact]
    public void A_change_is_reported_after_consecutive_frames_and_cleared_the_same_way()
    {
        BgrImage original = SamplePhotos.Load("shelf_val_107");
        BgrImage moved = SamplePhotos.Shifted(original, original.Width / 10, 0);
        var detector = new ViewChangeDetector(ViewSignature.Of(original), consecutiveFrames: 3);
        Assert.False(detector.Observe(moved));
        Assert.False(detector.Observe(moved));
        Assert.True(detector.Observe(moved));
        Assert.True(detector.Observe(original));
        Assert.True(detector.Observe(original));
        Assert.False(detector.Observe(original));
    }
}
