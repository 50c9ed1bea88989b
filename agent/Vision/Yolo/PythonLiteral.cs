using System.Globalization;
using System.Text;

namespace EdgeInventory.Vision.Yolo;

/// <summary>
/// Parses the class-name literals Ultralytics writes into ONNX metadata: a Python dict
/// (<c>{0: 'person', 1: "it's"}</c>) or, from older exporters, a list (<c>['a', 'b']</c>). Names may
/// hold commas, colons, braces and either quote, so this is a small tokenizer, not a split.
/// </summary>
public static class PythonLiteral
{
    /// <summary>Parses class names by id; throws FormatException with the position of the problem.</summary>
    public static IReadOnlyDictionary<int, string> ParseClassNames(string literal)
    {
        ArgumentNullException.ThrowIfNull(literal);
        var reader = new Reader(literal);
        var names = new Dictionary<int, string>();
        reader.SkipSpace();
        char open = reader.Next();
        if (open == '{')
        {
            reader.SkipSpace();
            while (!reader.TryConsume('}'))
            {
                int id = reader.ReadInt();
                reader.Expect(':');
                string name = reader.ReadString();
                if (!names.TryAdd(id, name))
                {
                    throw reader.Error($"class id {id} appears twice");
                }

                reader.SkipSpace();
                if (!reader.TryConsume(','))
                {
                    reader.Expect('}');
                    break;
                }

                reader.SkipSpace();
            }
        }
        else if (open == '[')
        {
            reader.SkipSpace();
            while (!reader.TryConsume(']'))
            {
                names[names.Count] = reader.ReadString();
                reader.SkipSpace();
                if (!reader.TryConsume(','))
                {
                    reader.Expect(']');
                    break;
                }

                reader.SkipSpace();
            }
        }
        else
        {
            throw reader.Error("expected '{' or '['", at: 0);
        }

        reader.SkipSpace();
        if (!reader.AtEnd)
        {
            throw reader.Error("unexpected text after the literal");
        }

        return names;
    }

    /// <summary>Parses an image size: <c>640</c>, <c>[640, 480]</c> (height, width) or <c>(640, 480)</c>.</summary>
    public static (int Height, int Width) ParseImageSize(string literal)
    {
        ArgumentNullException.ThrowIfNull(literal);
        string[] parts = literal.Trim().Trim('[', ']', '(', ')').Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is 1 or 2
            && int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int h) && h > 0
            && int.TryParse(parts[^1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int w) && w > 0)
        {
            return (h, w);
        }

        throw new FormatException($"'{literal}' is not an image size (expected 640 or [height, width])");
    }

    private sealed class Reader(string text)
    {
        private int _pos;

        public bool AtEnd => _pos >= text.Length;

        public char Next() => AtEnd ? throw Error("unexpected end") : text[_pos++];

        public void SkipSpace()
        {
            while (!AtEnd && char.IsWhiteSpace(text[_pos]))
            {
                _pos++;
            }
        }

        public bool TryConsume(char c)
        {
            if (!AtEnd && text[_pos] == c)
            {
                _pos++;
                return true;
            }

            return false;
        }

        public void Expect(char c)
        {
            SkipSpace();
            if (!TryConsume(c))
            {
                throw Error($"expected '{c}'");
            }

            SkipSpace();
        }

        public int ReadInt()
        {
            SkipSpace();
            int start = _pos;
            if (!AtEnd && text[_pos] == '-')
            {
                _pos++;
            }

            while (!AtEnd && char.IsAsciiDigit(text[_pos]))
            {
                _pos++;
            }

            if (!int.TryParse(text.AsSpan(start, _pos - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value))
            {
                throw Error("expected a class id (an integer)", start);
            }

            return value;
        }

        public string ReadString()
        {
            SkipSpace();
            char quote = AtEnd ? '\0' : text[_pos];
            if (quote is not ('\'' or '"'))
            {
                throw Error("expected a quoted name");
            }

            _pos++;
            var sb = new StringBuilder();
            while (true)
            {
                char c = Next();
                if (c == quote)
                {
                    return sb.ToString();
                }

                if (c != '\\')
                {
                    sb.Append(c);
                    continue;
                }

                char e = Next();
                switch (e)
                {
                    case 'n': sb.Append('\n'); break;
                    case 't': sb.Append('\t'); break;
                    case 'r': sb.Append('\r'); break;
                    case '0': sb.Append('\0'); break;
                    case 'x': sb.Append((char)ReadHex(2)); break;
                    case 'u': sb.Append((char)ReadHex(4)); break;
                    case 'U': sb.Append(char.ConvertFromUtf32(ReadHex(8))); break;
                    default: sb.Append(e); break; // \\, \', \" and unknown escapes keep the character
                }
            }
        }

        public FormatException Error(string what, int? at = null) =>
            new($"class names literal: {what} at position {at ?? _pos}");

        private int ReadHex(int digits)
        {
            if (_pos + digits > text.Length
                || !int.TryParse(text.AsSpan(_pos, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int value))
            {
                throw Error("bad escape");
            }

            _pos += digits;
            return value;
        }
    }
}
