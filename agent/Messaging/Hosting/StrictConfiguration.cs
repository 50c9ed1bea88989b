using Microsoft.Extensions.Configuration;

namespace EdgeInventory.Messaging.Hosting;

/// <summary>
/// Binds an options section strictly (an unknown key is an error, not ignored) and, when the binder refuses,
/// names the key's full path: the binder itself names only the type for an unknown key and nothing at all for a
/// value it cannot convert. One helper for every section: agent/Messaging's <c>Messaging</c> and the agent's <c>Agent</c>.
/// </summary>
public static class StrictConfiguration
{
    /// <summary>Binds <paramref name="section"/> onto <paramref name="options"/>; null, or the one problem naming its key.</summary>
    /// <param name="keysDocumentedIn">Where a reader finds the keys (a README), for the unknown-key message.</param>
    public static string? TryBind(IConfigurationSection section, object options, string keysDocumentedIn)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            section.Bind(options, o => o.ErrorOnUnknownConfiguration = true);
            return null;
        }
        catch (InvalidOperationException e)
        {
            if (FindUnknownKey(section, options.GetType()) is { } unknown)
            {
                return UnknownKey(unknown, keysDocumentedIn);
            }

            // The binder names neither the key nor the value of a value it cannot convert ("binding has failed").
            return FindUnconvertibleValue(section, options.GetType()) ?? $"{section.Path}: {e.Message}";
        }
    }

    /// <summary>The message for an unknown key, the same for every section.</summary>
    public static string UnknownKey(string path, string keysDocumentedIn) => $"{path}: unknown key (see {keysDocumentedIn} for the keys)";

    /// <summary>The full path of the first key under <paramref name="section"/> that <paramref name="type"/> has no property for, or null.</summary>
    public static string? FindUnknownKey(IConfigurationSection section, Type type)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(type);
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            Type item = type.GetGenericArguments()[0];
            foreach (IConfigurationSection child in section.GetChildren())
            {
                if (!int.TryParse(child.Key, out _))
                {
                    return $"{child.Path}: a list index was expected";
                }

                if (FindUnknownKey(child, item) is { } found)
                {
                    return found;
                }
            }

            return null;
        }

        if (!type.IsClass || type == typeof(string) || type.IsArray)
        {
            return null;
        }

        foreach (IConfigurationSection child in section.GetChildren())
        {
            System.Reflection.PropertyInfo? property = type.GetProperties().FirstOrDefault(p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                return child.Path;
            }

            if (FindUnknownKey(child, property.PropertyType) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    /// <summary>Converts each value as the binder does (the type's converter, invariant culture) to name the first one it refuses.</summary>
    private static string? FindUnconvertibleValue(IConfigurationSection section, Type type)
    {
        Type? item = type.IsArray ? type.GetElementType()
            : type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>) ? type.GetGenericArguments()[0]
            : null;
        if (item is not null)
        {
            return section.GetChildren().Select(child => FindUnconvertibleValue(child, item)).FirstOrDefault(found => found is not null);
        }

        Type leaf = Nullable.GetUnderlyingType(type) ?? type;
        if (leaf.IsPrimitive || leaf.IsEnum || leaf == typeof(decimal) || leaf == typeof(TimeSpan))
        {
            return section.Value is { Length: > 0 } value && !Converts(value, leaf) ? $"{section.Path}: '{value}' is not {Describe(leaf)}" : null;
        }

        if (!type.IsClass || type == typeof(string))
        {
            return null;
        }

        foreach (IConfigurationSection child in section.GetChildren())
        {
            System.Reflection.PropertyInfo? property = type.GetProperties().FirstOrDefault(p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (property is not null && FindUnconvertibleValue(child, property.PropertyType) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    private static bool Converts(string value, Type type)
    {
        try
        {
            _ = System.ComponentModel.TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value);
            return true;
        }
        catch (Exception e) when (e is FormatException or NotSupportedException or ArgumentException or OverflowException)
        {
            return false;
        }
    }

    private static string Describe(Type type) => type == typeof(bool) ? "true or false"
        : type == typeof(int) ? $"a whole number within {int.MinValue}..{int.MaxValue}"
        : type == typeof(double) || type == typeof(float) ? "a number"
        : type == typeof(TimeSpan) ? "a time span ([d.]hh:mm:ss)"
        : type.IsEnum ? "one of " + string.Join(", ", Enum.GetNames(type))
        : "a " + type.Name;
}
