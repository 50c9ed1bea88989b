using System.Globalization;

namespace EdgeInventory.Cli;

/// <summary>
/// Minimal option parsing: <c>--name value</c>, <c>--flag</c>, and positional arguments. Every
/// option must be consumed by the command; any left over is a usage error naming it.
/// </summary>
internal sealed class Arguments
{
    private readonly List<string> _args;
    private readonly HashSet<int> _used = [];

    public Arguments(string[] args) => _args = [.. args];

    public bool Flag(string name)
    {
        int i = _args.IndexOf(name);
        if (i < 0)
        {
            return false;
        }

        _used.Add(i);
        return true;
    }

    public string? Value(string name)
    {
        int i = _args.IndexOf(name);
        if (i < 0)
        {
            return null;
        }

        if (i + 1 >= _args.Count || _args[i + 1].StartsWith("--", StringComparison.Ordinal))
        {
            throw new UsageException($"{name} needs a value");
        }

        _used.Add(i);
        _used.Add(i + 1);
        return _args[i + 1];
    }

    public float? Float(string name, float min, float max)
    {
        string? text = Value(name);
        if (text is null)
        {
            return null;
        }

        if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) || v < min || v > max || float.IsNaN(v))
        {
            throw new UsageException($"{name} must be a number from {min} to {max}, not '{text}'");
        }

        return v;
    }

    public int? Int(string name, int min, int max)
    {
        string? text = Value(name);
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < min || v > max)
        {
            throw new UsageException($"{name} must be a whole number from {min} to {max}, not '{text}'");
        }

        return v;
    }

    /// <summary>The positional arguments; call after every option was read, so unknown options are reported.</summary>
    public List<string> Positionals()
    {
        var result = new List<string>();
        for (int i = 0; i < _args.Count; i++)
        {
            if (_used.Contains(i))
            {
                continue;
            }

            if (_args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"unknown option '{_args[i]}'");
            }

            result.Add(_args[i]);
        }

        return result;
    }

    public void NoPositionals()
    {
        List<string> extra = Positionals();
        if (extra.Count > 0)
        {
            throw new UsageException($"unexpected argument '{extra[0]}'");
        }
    }
}
