using System.Runtime.InteropServices;

namespace EdgeInventory.Mqtt.Native;

/// <summary>
/// Raw imports from libmosquitto 2.0 (<c>mosquitto.h</c>), C names kept so this file can be held against
/// the header. Pointers stay pointers; the safe surface is <see cref="MosquittoClient"/>. Each comment
/// gives the C signature.
/// </summary>
internal static unsafe partial class LibMosquitto
{
    /// <summary>The soname Debian's libmosquitto1 installs (2.0.x keeps ABI 1).</summary>
    public const string Library = "libmosquitto.so.1";

    // enum mosq_err_t (the subset this binding names)
    public const int MOSQ_ERR_CONN_PENDING = -1;
    public const int MOSQ_ERR_SUCCESS = 0;
    public const int MOSQ_ERR_NOMEM = 1;
    public const int MOSQ_ERR_PROTOCOL = 2;
    public const int MOSQ_ERR_INVAL = 3;
    public const int MOSQ_ERR_NO_CONN = 4;
    public const int MOSQ_ERR_CONN_REFUSED = 5;
    public const int MOSQ_ERR_NOT_FOUND = 6;
    public const int MOSQ_ERR_CONN_LOST = 7;
    public const int MOSQ_ERR_TLS = 8;
    public const int MOSQ_ERR_PAYLOAD_SIZE = 9;
    public const int MOSQ_ERR_NOT_SUPPORTED = 10;
    public const int MOSQ_ERR_AUTH = 11;
    public const int MOSQ_ERR_ACL_DENIED = 12;
    public const int MOSQ_ERR_UNKNOWN = 13;
    public const int MOSQ_ERR_ERRNO = 14;
    public const int MOSQ_ERR_EAI = 15;
    public const int MOSQ_ERR_KEEPALIVE = 19;
    public const int MOSQ_ERR_TLS_HANDSHAKE = 23;

    // Not a libmosquitto code: this binding's own "no CONNACK in time", kept outside mosq_err_t's range.
    public const int MOSQ_ERR_TIMEOUT_LOCAL = 1000;

    // enum mosq_opt_t
    public const int MOSQ_OPT_PROTOCOL_VERSION = 1;
    public const int MOSQ_OPT_RECEIVE_MAXIMUM = 4;
    public const int MOSQ_OPT_SEND_MAXIMUM = 5;
    public const int MOSQ_OPT_TCP_NODELAY = 11;
    public const int MOSQ_OPT_TLS_USE_OS_CERTS = 13;

    public const int MQTT_PROTOCOL_V311 = 4;
    public const int MQTT_PROTOCOL_V5 = 5;

    // Log levels (MOSQ_LOG_*)
    public const int MOSQ_LOG_INFO = 1 << 0;
    public const int MOSQ_LOG_NOTICE = 1 << 1;
    public const int MOSQ_LOG_WARNING = 1 << 2;
    public const int MOSQ_LOG_ERR = 1 << 3;
    public const int MOSQ_LOG_DEBUG = 1 << 4;

    /// <summary>struct mosquitto_message (the v3 layout, which the v5 message callback also passes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct mosquitto_message
    {
        public int mid;
        public byte* topic;
        public void* payload;
        public int payloadlen;
        public int qos;
        [MarshalAs(UnmanagedType.U1)]
        public bool retain;
    }

    // int mosquitto_lib_version(int *major, int *minor, int *revision);
    [LibraryImport(Library)]
    public static partial int mosquitto_lib_version(int* major, int* minor, int* revision);

    // int mosquitto_lib_init(void);
    [LibraryImport(Library)]
    public static partial int mosquitto_lib_init();

    // struct mosquitto *mosquitto_new(const char *id, bool clean_session, void *obj);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial nint mosquitto_new(string? id, [MarshalAs(UnmanagedType.U1)] bool clean_session, nint obj);

    // void mosquitto_destroy(struct mosquitto *mosq);
    [LibraryImport(Library)]
    public static partial void mosquitto_destroy(nint mosq);

    // int mosquitto_threaded_set(struct mosquitto *mosq, bool threaded);
    [LibraryImport(Library)]
    public static partial int mosquitto_threaded_set(nint mosq, [MarshalAs(UnmanagedType.U1)] bool threaded);

    // int mosquitto_int_option(struct mosquitto *mosq, enum mosq_opt_t option, int value);
    [LibraryImport(Library)]
    public static partial int mosquitto_int_option(nint mosq, int option, int value);

    // int mosquitto_username_pw_set(struct mosquitto *mosq, const char *username, const char *password);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mosquitto_username_pw_set(nint mosq, string? username, string? password);

    // int mosquitto_will_set(struct mosquitto *mosq, const char *topic, int payloadlen, const void *payload, int qos, bool retain);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mosquitto_will_set(nint mosq, string topic, int payloadlen, byte* payload, int qos, [MarshalAs(UnmanagedType.U1)] bool retain);

    // int mosquitto_tls_set(struct mosquitto *mosq, const char *cafile, const char *capath, const char *certfile,
    //                       const char *keyfile, int (*pw_callback)(char *buf, int size, int rwflag, void *userdata));
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mosquitto_tls_set(nint mosq, string? cafile, string? capath, string? certfile, string? keyfile, nint pw_callback);

    // int mosquitto_tls_insecure_set(struct mosquitto *mosq, bool value);
    [LibraryImport(Library)]
    public static partial int mosquitto_tls_insecure_set(nint mosq, [MarshalAs(UnmanagedType.U1)] bool value);

    // int mosquitto_connect_async(struct mosquitto *mosq, const char *host, int port, int keepalive);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int mosquitto_connect_async(nint mosq, string host, int port, int keepalive);

    // int mosquitto_reconnect_async(struct mosquitto *mosq);
    [LibraryImport(Library, SetLastError = true)]
    public static partial int mosquitto_reconnect_async(nint mosq);

    // int mosquitto_disconnect_v5(struct mosquitto *mosq, int reason_code, const mosquitto_property *properties);
    [LibraryImport(Library)]
    public static partial int mosquitto_disconnect_v5(nint mosq, int reason_code, nint properties);

    // int mosquitto_loop(struct mosquitto *mosq, int timeout, int max_packets);
    [LibraryImport(Library, SetLastError = true)]
    public static partial int mosquitto_loop(nint mosq, int timeout, int max_packets);

    // int mosquitto_publish_v5(struct mosquitto *mosq, int *mid, const char *topic, int payloadlen, const void *payload,
    //                          int qos, bool retain, const mosquitto_property *properties);
    [LibraryImport(Library)]
    public static partial int mosquitto_publish_v5(nint mosq, int* mid, byte* topic, int payloadlen, byte* payload, int qos, [MarshalAs(UnmanagedType.U1)] bool retain, nint properties);

    // int mosquitto_subscribe_v5(struct mosquitto *mosq, int *mid, const char *sub, int qos, int options, const mosquitto_property *properties);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mosquitto_subscribe_v5(nint mosq, int* mid, string sub, int qos, int options, nint properties);

    // void mosquitto_connect_v5_callback_set(struct mosquitto *mosq,
    //     void (*on_connect)(struct mosquitto *, void *obj, int rc, int flags, const mosquitto_property *props));
    [LibraryImport(Library)]
    public static partial void mosquitto_connect_v5_callback_set(nint mosq, delegate* unmanaged[Cdecl]<nint, nint, int, int, nint, void> on_connect);

    // void mosquitto_disconnect_v5_callback_set(struct mosquitto *mosq,
    //     void (*on_disconnect)(struct mosquitto *, void *obj, int rc, const mosquitto_property *props));
    [LibraryImport(Library)]
    public static partial void mosquitto_disconnect_v5_callback_set(nint mosq, delegate* unmanaged[Cdecl]<nint, nint, int, nint, void> on_disconnect);

    // void mosquitto_publish_v5_callback_set(struct mosquitto *mosq,
    //     void (*on_publish)(struct mosquitto *, void *obj, int mid, int reason_code, const mosquitto_property *props));
    [LibraryImport(Library)]
    public static partial void mosquitto_publish_v5_callback_set(nint mosq, delegate* unmanaged[Cdecl]<nint, nint, int, int, nint, void> on_publish);

    // void mosquitto_message_v5_callback_set(struct mosquitto *mosq,
    //     void (*on_message)(struct mosquitto *, void *obj, const struct mosquitto_message *message, const mosquitto_property *props));
    [LibraryImport(Library)]
    public static partial void mosquitto_message_v5_callback_set(nint mosq, delegate* unmanaged[Cdecl]<nint, nint, mosquitto_message*, nint, void> on_message);

    // void mosquitto_subscribe_v5_callback_set(struct mosquitto *mosq,
    //     void (*on_subscribe)(struct mosquitto *, void *obj, int mid, int qos_count, const int *granted_qos, const mosquitto_property *props));
    [LibraryImport(Library)]
    public static partial void mosquitto_subscribe_v5_callback_set(nint mosq, delegate* unmanaged[Cdecl]<nint, nint, int, int, int*, nint, void> on_subscribe);

    // void mosquitto_log_callback_set(struct mosquitto *mosq, void (*on_log)(struct mosquitto *, void *obj, int level, const char *str));
    [LibraryImport(Library)]
    public static partial void mosquitto_log_callback_set(nint mosq, delegate* unmanaged[Cdecl]<nint, nint, int, byte*, void> on_log);

    // const char *mosquitto_strerror(int mosq_errno);
    [LibraryImport(Library)]
    public static partial byte* mosquitto_strerror(int mosq_errno);

    // const char *mosquitto_reason_string(int reason_code);
    [LibraryImport(Library)]
    public static partial byte* mosquitto_reason_string(int reason_code);

    // const char *mosquitto_connack_string(int connack_code);
    [LibraryImport(Library)]
    public static partial byte* mosquitto_connack_string(int connack_code);
}
