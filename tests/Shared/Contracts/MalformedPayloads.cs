using System.Text;
using System.Text.Json.Nodes;
using EdgeInventory.Contracts;

namespace EdgeInventory.Testing;

/// <summary>
/// Bounded fuzzing of an inbound contract: payloads made from one valid message by seeded random mutations
/// (truncation, flipped bytes, a value of the wrong type or out of range, a member removed, added or duplicated, a
/// different schema, deep nesting, non-object JSON). Only payloads the contract refuses are returned (a mutation
/// may happen to make another valid message, e.g. a digit flipped to another digit), so a test can demand a refusal
/// of every one; the same seed gives the same cases.
/// </summary>
internal static class MalformedPayloads
{
    private static readonly Func<Random, JsonNode?>[] WrongValues =
    [
        static _ => JsonValue.Create(-1),
        static _ => JsonValue.Create(1e308),
        static _ => JsonValue.Create(long.MaxValue),
        static _ => JsonValue.Create(true),
        static _ => JsonValue.Create(""),
        static r => JsonValue.Create(new string('x', r.Next(65, 6000))),
        static _ => JsonValue.Create("\u0000\u202e"),
        static _ => JsonValue.Create("9999-99-99T99:99:99Z"),
        static _ => new JsonArray(),
        static _ => new JsonObject(),
        static _ => null,
    ];

    private static readonly string[] NotObjects = ["", " ", "null", "0", "[]", "\"text\"", "true", "{}", "{\"schema\":null}", "\uFEFF{}"];

    public static List<byte[]> For<T>(T valid, int count, int seed) where T : ContractMessage, IContractMessage<T>
    {
        byte[] original = ContractParser.Serialize(valid);
        var random = new Random(seed);
        var cases = new List<byte[]>(count);
        while (cases.Count < count)
        {
            byte[] payload = Mutate(original, random);
            if (!ContractParser.Parse<T>(payload).IsValid)
            {
                cases.Add(payload);
            }
        }

        return cases;
    }

    private static byte[] Mutate(byte[] original, Random random)
    {
        switch (random.Next(8))
        {
            case 0:
                return original[..random.Next(original.Length)];
            case 1:
                byte[] flipped = (byte[])original.Clone();
                for (int i = random.Next(1, 4); i > 0; i--)
                {
                    flipped[random.Next(flipped.Length)] = (byte)random.Next(256);
                }

                return flipped;
            case 2:
                return Encoding.UTF8.GetBytes(NotObjects[random.Next(NotObjects.Length)]);
            case 3:
                int depth = random.Next(64, 2000);
                return Encoding.UTF8.GetBytes("{\"schema\":" + new string('[', depth) + new string(']', depth) + "}");
            case 4:
                // A member written twice, the second time with another value.
                string text = Encoding.UTF8.GetString(original);
                return Encoding.UTF8.GetBytes(text[..^1] + ",\"eventId\":\"" + Guid.NewGuid() + "\"}");
            default:
                JsonObject tree = JsonNode.Parse(original)!.AsObject();
                MutateMember(tree, random);
                return Encoding.UTF8.GetBytes(tree.ToJsonString());
        }
    }

    /// <summary>Changes one member anywhere in the tree: a wrong value, removed, renamed, or the schema changed.</summary>
    private static void MutateMember(JsonObject root, Random random)
    {
        var objects = new List<JsonObject>();
        Collect(root, objects);
        JsonObject target = objects[random.Next(objects.Count)];
        if (target.Count == 0)
        {
            target["unexpected"] = 1;
            return;
        }

        string name = target.ElementAt(random.Next(target.Count)).Key;
        switch (random.Next(5))
        {
            case 0:
                target.Remove(name);
                break;
            case 1:
                target["x" + random.Next(1000)] = "unexpected";
                break;
            case 2:
                root["schema"] = random.Next(3) switch
                {
                    0 => "edgeinv.scanner-count/" + random.Next(2, 100),
                    1 => "edgeinv.nonsense/1",
                    _ => "",
                };
                break;
            default:
                target[name] = WrongValues[random.Next(WrongValues.Length)](random);
                break;
        }
    }

    private static void Collect(JsonNode? node, List<JsonObject> objects)
    {
        if (node is JsonObject o)
        {
            objects.Add(o);
            foreach (KeyValuePair<string, JsonNode?> member in o)
            {
                Collect(member.Value, objects);
            }
        }
        else if (node is JsonArray a)
        {
            foreach (JsonNode? item in a)
            {
                Collect(item, objects);
            }
        }
    }
}
