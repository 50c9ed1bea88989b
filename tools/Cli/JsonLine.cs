using System.Text;
using System.Text.Json;

namespace EdgeInventory.Cli;

/// <summary>Writes one JSON object as one line of output (the --json form of detect and eval).</summary>
internal static class JsonLine
{
    public static void Write(TextWriter output, Action<Utf8JsonWriter> writeObject)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            writeObject(w);
            w.WriteEndObject();
        }

        output.WriteLine(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }
}
