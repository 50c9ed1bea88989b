using System.Security.Cryptography;
using System.Text;
using EdgeInventory.Cloud.Configuration;
using Microsoft.AspNetCore.Http;

namespace EdgeInventory.Cloud.Api;

/// <summary>Who is calling: the API key's name, its role and the stores it may see (null: all).</summary>
public sealed record ApiCaller(string Name, string Role, IReadOnlySet<string>? Stores)
{
    public bool MaySee(string storeId) => Stores is null || Stores.Contains(storeId);

    public bool IsAdmin => Role == Roles.Admin;

    /// <summary>Operators act on alerts of their stores; admins on any.</summary>
    public bool MayActOnAlerts => Role is Roles.Operator or Roles.Admin;
}

/// <summary>
/// API keys as the agent checks them: <c>Authorization: Bearer KEY</c> (or <c>X-Api-Key</c>), compared by SHA-256 in
/// constant time; the key itself is never stored.
/// </summary>
public sealed class ApiKeys
{
    public const string CookieName = "edgeinv_key";

    private readonly List<(byte[] Hash, ApiCaller Caller)> _keys;

    public ApiKeys(CloudOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _keys = [.. options.ApiKeys.Select(k => (Convert.FromHexString(k.KeySha256),
            new ApiCaller(k.Name, k.Role, k.Stores.Count == 0 ? null : (IReadOnlySet<string>)new HashSet<string>(k.Stores, StringComparer.Ordinal))))];
    }

    public int Count => _keys.Count;

    public ApiCaller? Authenticate(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string? key = null;
        string? authorization = request.Headers.Authorization;
        if (authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            key = authorization["Bearer ".Length..].Trim();
        }
        key ??= request.Headers["X-Api-Key"].FirstOrDefault();
        key ??= request.Cookies[CookieName];
        return key is { Length: > 0 } ? Find(key) : null;
    }

    public ApiCaller? Find(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        ApiCaller? found = null;
        foreach ((byte[] known, ApiCaller caller) in _keys)
        {
            // Every entry is compared, so the time taken says nothing about which key came close.
            if (CryptographicOperations.FixedTimeEquals(known, hash))
            {
                found = caller;
            }
        }
        return found;
    }
}
