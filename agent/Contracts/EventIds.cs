using System.Buffers.Binary;
using System.Security.Cryptography;

namespace EdgeInventory.Contracts;

/// <summary>
/// Event ids: UUIDv7 (RFC 9562) that are also monotonic per generator. <see cref="Guid.CreateVersion7()"/>
/// fills the 74 bits after the millisecond timestamp at random, so two ids of the same millisecond sort in
/// random order; here the 12-bit <c>rand_a</c> field is a counter (RFC 9562 §6.2, method 1) so ids sort in
/// the order they were made, which lets the cloud order a device's events by id. Ids are the idempotency
/// key: a redelivered message carries the id it had the first time.
/// </summary>
public static class EventIds
{
    /// <summary>A new id from the process-wide generator on the system clock.</summary>
    public static Guid NewId() => EventIdGenerator.Shared.NewId();

    /// <summary>The creation time encoded in a UUIDv7, to the millisecond.</summary>
    public static DateTimeOffset Timestamp(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        long millis = (long)(BinaryPrimitives.ReadUInt64BigEndian(bytes) >> 16);
        return DateTimeOffset.FromUnixTimeMilliseconds(millis);
    }
}

/// <summary>Makes monotonic UUIDv7 ids; thread-safe.</summary>
public sealed class EventIdGenerator(TimeProvider clock)
{
    private const int CounterMax = (1 << 12) - 1;

    public static EventIdGenerator Shared { get; } = new(TimeProvider.System);

    private readonly TimeProvider clock = clock ?? throw new ArgumentNullException(nameof(clock));
    private readonly Lock gate = new();
    private long lastMillis;
    private int counter;

    public Guid NewId()
    {
        long millis = clock.GetUtcNow().ToUnixTimeMilliseconds();
        long stamp;
        int count;
        lock (gate)
        {
            if (millis > lastMillis)
            {
                lastMillis = millis;
                // Start low in the counter range so a burst within one millisecond rarely overflows it.
                counter = RandomNumberGenerator.GetInt32(CounterMax / 2);
            }
            else if (++counter > CounterMax)
            {
                // The clock went back, or over ~2,000 ids in one millisecond: borrow the next millisecond.
                lastMillis++;
                counter = 0;
            }
            stamp = lastMillis;
            count = counter;
        }

        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes[8..]);
        BinaryPrimitives.WriteUInt64BigEndian(bytes, ((ulong)stamp << 16) | (0x7u << 12) | (uint)count);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 9562 variant 10xx
        return new Guid(bytes, bigEndian: true);
    }
}
