using System.Security.Cryptography;
using System.Text;
using EdgeInventory.Imaging;

namespace EdgeInventory.ShortageBench;

/// <summary>
/// Detections per rendered frame, kept on disk between runs: a frame is named by the model file (path, size,
/// modification time), the photo, the renderer's seed and the frame's script, so a changed model or scene is
/// detected afresh. The detector is deterministic on the same pixels; what is measured here is the agent's
/// judgement, and re-running the detector for every setting tried would cost minutes each time.
/// </summary>
internal sealed class DetectionCache(string? folder, string modelPath)
{
    private readonly string _model = ModelKey(modelPath);

    public bool TryLoad(string photo, int seed, string script, out List<Detection> detections)
    {
        detections = [];
        if (folder is null)
        {
            return false;
        }

        string file = FileFor(photo, seed, script);
        if (!File.Exists(file))
        {
            return false;
        }

        using var reader = new BinaryReader(File.OpenRead(file));
        int count = reader.ReadInt32();
        for (int i = 0; i < count; i++)
        {
            detections.Add(new Detection(reader.ReadSingle(), reader.ReadSingle(), reader.ReadSingle(), reader.ReadSingle(), reader.ReadSingle(), reader.ReadInt32()));
        }

        return true;
    }

    public void Save(string photo, int seed, string script, List<Detection> detections)
    {
        if (folder is null)
        {
            return;
        }

        Directory.CreateDirectory(folder);
        string file = FileFor(photo, seed, script);
        string temporary = file + ".tmp";
        using (var writer = new BinaryWriter(File.Create(temporary)))
        {
            writer.Write(detections.Count);
            foreach (Detection d in detections)
            {
                writer.Write(d.X1);
                writer.Write(d.Y1);
                writer.Write(d.X2);
                writer.Write(d.Y2);
                writer.Write(d.Score);
                writer.Write(d.ClassId);
            }
        }

        File.Move(temporary, file, overwrite: true);
    }

    private string FileFor(string photo, int seed, string script) =>
        Path.Combine(folder!, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{_model}\n{photo}\n{seed}\n{script}")))[..32] + ".det");

    private static string ModelKey(string modelPath)
    {
        var info = new FileInfo(modelPath);
        return $"{info.FullName}|{info.Length}|{info.LastWriteTimeUtc.Ticks}";
    }
}
