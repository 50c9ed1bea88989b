using System.Runtime.InteropServices;
using EdgeInventory.Mqtt.Native;

namespace EdgeInventory.Mqtt;

/// <summary>Owns a <c>struct mosquitto *</c>; released with <c>mosquitto_destroy</c>.</summary>
internal sealed class MosquittoHandle : SafeHandle
{
    public MosquittoHandle() : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    public static MosquittoHandle Create(string clientId, bool cleanSession, nint userData)
    {
        nint raw = LibMosquitto.mosquitto_new(clientId, cleanSession, userData);
        if (raw == 0)
        {
            throw new MosquittoException($"mosquitto_new('{clientId}') failed: {Marshal.GetLastPInvokeErrorMessage()}");
        }
        var h = new MosquittoHandle();
        h.SetHandle(raw);
        return h;
    }

    protected override bool ReleaseHandle()
    {
        LibMosquitto.mosquitto_destroy(handle);
        return true;
    }
}

/// <summary>Loads and initialises libmosquitto once per process, with a clear error when it is missing or too old.</summary>
public static unsafe class MosquittoLibrary
{
    private static readonly Lazy<Version> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The libmosquitto version in use; loads the library on first use.</summary>
    public static Version Version => Loaded.Value;

    internal static void EnsureInitialised() => _ = Loaded.Value;

    private static Version Load()
    {
        int major, minor, revision;
        try
        {
            _ = LibMosquitto.mosquitto_lib_version(&major, &minor, &revision);
        }
        catch (DllNotFoundException e)
        {
            throw new MosquittoException(
                $"{LibMosquitto.Library} could not be loaded: install libmosquitto 2.0 (Debian/Ubuntu: apt-get install libmosquitto1)", e);
        }
        if (major < 2)
        {
            throw new MosquittoException($"libmosquitto {major}.{minor}.{revision} is too old: MQTT 5 needs 2.0 or newer");
        }
        int rc = LibMosquitto.mosquitto_lib_init();
        if (rc != LibMosquitto.MOSQ_ERR_SUCCESS)
        {
            throw MosquittoException.FromError("mosquitto_lib_init", rc);
        }
        return new Version(major, minor, revision);
    }
}
