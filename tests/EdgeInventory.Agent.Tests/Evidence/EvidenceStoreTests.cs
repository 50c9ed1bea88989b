using System.Security.Cryptography;
using EdgeInventory.Contracts;
using EdgeInventory.Counting;
using EdgeInventory.Agent.Evidence;
using EdgeInventory.Imaging;
using EdgeInventory.Tests.Shared;
using EdgeInventory.Vision.Imaging;

namespace EdgeInventory.Agent.Tests.Evidence;

public class EvidenceStoreTests
{
    [Fact]
    public void Evidence_is_a_crop_of_the_zone_only_with_its_checksum()
    {
        using TempFolder dir = RepoPaths.NewTempFolder();
        BgrImage frame = SamplePhotos.Load("shelf_val_107");
        ZonePolygon zone = ZonePolygon.Rectangle(0.25, 0.5, 0.5, 0.75);
        using var store = new EvidenceStore(dir.Path, new EvidenceRetention());
        SavedEvidence saved = store.Save("ev-1", frame, zone, [new Detection(300, 420, 360, 480, 0.9f, 0)]);
        EvidenceRef evidence = saved.Reference;

        byte[] jpeg = File.ReadAllBytes(store.PathOf("ev-1"));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(jpeg)), evidence.Sha256);
        // The bytes handed back (the ones the agent sends) are the file's.
        Assert.Equal(jpeg, saved.Jpeg);
        // The zone's box plus a 2% margin on each side, not the frame.
        Assert.InRange(evidence.Width, (int)(frame.Width * 0.29), (int)(frame.Width * 0.3) + 2);
        Assert.InRange(evidence.Height, (int)(frame.Height * 0.29), (int)(frame.Height * 0.3) + 2);
        using var reader = new StillImageReader();
        var decoded = new BgrImage();
        reader.Read(store.PathOf("ev-1"), decoded);
        Assert.Equal((evidence.Width, evidence.Height), (decoded.Width, decoded.Height));
    }

    [Fact]
    public void Retention_keeps_the_newest_files_within_the_limits()
    {
        using TempFolder dir = RepoPaths.NewTempFolder();
        BgrImage frame = SamplePhotos.Load("shelf_val_400");
        using var store = new EvidenceStore(dir.Path, new EvidenceRetention { MaxFiles = 3 });
        for (int i = 0; i < 5; i++)
        {
            store.Save($"ev-{i}", frame, ZonePolygon.Rectangle(0, 0, 0.2, 0.2), []);
            File.SetLastWriteTimeUtc(store.PathOf($"ev-{i}"), DateTime.UtcNow.AddMinutes(i - 10));
        }

        Assert.Equal(2, store.Prune());
        Assert.False(File.Exists(store.PathOf("ev-0")));
        Assert.False(File.Exists(store.PathOf("ev-1")));
        Assert.True(File.Exists(store.PathOf("ev-4")));

        File.SetLastWriteTimeUtc(store.PathOf("ev-2"), DateTime.UtcNow.AddDays(-30));
        Assert.Equal(1, store.Prune());
        Assert.False(File.Exists(store.PathOf("ev-2")));
    }
}
