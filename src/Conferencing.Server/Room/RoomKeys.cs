using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using Conferencing.Server.Common;
using Conferencing.Server.Store;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.Room;

/// <summary>A room key as staff see it: its id and dates, never its secret.</summary>
public sealed record RoomKeyInfo(string Id, DateTimeOffset CreatedUtc, DateTimeOffset? RetiredUtc, string? RetiredBy, bool Current);

/// <summary>A room key with its secret, as the ring holds it.</summary>
public sealed record RoomKey(string Id, byte[] Secret, DateTimeOffset CreatedUtc, DateTimeOffset? RetiredUtc, string? RetiredBy);

/// <summary>
/// The room's key ring: signs QR tokens and derives delegates' PINs. Keys are kept in the store
/// encrypted with ASP.NET Core Data Protection (whose keys are in the store too), so every node and
/// every restart signs and checks with the same keys.
/// <para>
/// Rotation makes a new key current and retires the old one. New room codes, tickets and new
/// meetings' invitations use the current key. A retired key still verifies room codes and tickets
/// for <see cref="RetiredWindow"/> after its retirement (the longest either lives), and it verifies
/// invitations, and derives PINs, for every meeting pinned to it: a meeting is pinned to the key
/// current when its first invitation or PIN was given out, so a printed invitation and its PIN keep
/// working until the meeting is over (the invitation's own expiry, 12 hours after the meeting).
/// </para>
/// <para>
/// Tokens carry no key id (a longer token makes a denser QR code): the verifier tries the few keys
/// that may have signed it. A node that fails to verify reloads the ring (at most every
/// <see cref="ReloadOnMissAfter"/>) so a key rotated on another node is seen at once; the current key
/// is re-read every <see cref="RingLifetime"/> so every node starts signing with a new key soon.
/// </para>
/// </summary>
public sealed partial class RoomKeys(Database database, IDataProtectionProvider protection, AuditLog audit, IOptions<RoomOptions> options, TimeProvider time, ILogger<RoomKeys> logger)
{
    /// <summary>The id of the key made before the ring existed (schema versions before 12).</summary>
    public const string FirstKeyId = "room-signing";

    /// <summary>How long a node signs with its copy of the ring before reading it again.</summary>
    public static readonly TimeSpan RingLifetime = TimeSpan.FromSeconds(30);

    /// <summary>A token no known key verifies re-reads the ring, but not more often than this.</summary>
    public static readonly TimeSpan ReloadOnMissAfter = TimeSpan.FromSeconds(2);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentDictionary<Guid, string> _meetingKeys = new();
    private Ring? _ring;

    private sealed record Ring(IReadOnlyList<RoomKey> Keys, DateTimeOffset LoadedUtc)
    {
        public RoomKey Current => Keys.Single(k => k.RetiredUtc is null);
    }

    /// <summary>How long after its retirement a key still verifies room codes and tickets: the longer of their two lifetimes.</summary>
    public TimeSpan RetiredWindow => options.Value.RoomTokenLifetime > options.Value.TicketLifetime ? options.Value.RoomTokenLifetime : options.Value.TicketLifetime;

    /// <summary>The secret of the current key.</summary>
    public async ValueTask<byte[]> GetAsync(CancellationToken cancellationToken) => (await CurrentAsync(cancellationToken).ConfigureAwait(false)).Secret;

    /// <summary>The key new tokens are signed with.</summary>
    public async ValueTask<RoomKey> CurrentAsync(CancellationToken cancellationToken) =>
        (await RingAsync(RingLifetime, cancellationToken).ConfigureAwait(false)).Current;

    /// <summary>
    /// The key a meeting's PINs and invitations use. With <paramref name="pin"/> set, a meeting not
    /// pinned yet is pinned to the current key (a PIN or invitation is being handed out).
    /// </summary>
    public async Task<RoomKey> ForMeetingAsync(Guid meetingId, bool pin, CancellationToken cancellationToken)
    {
        var ring = await RingAsync(RingLifetime, cancellationToken).ConfigureAwait(false);
        if (_meetingKeys.TryGetValue(meetingId, out var cachedId) && ring.Keys.FirstOrDefault(k => k.Id == cachedId) is { } cached)
        {
            return cached;
        }

        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        if (pin)
        {
            // Two nodes pinning at once: both insert, one wins, both read the winner.
            await connection.ExecuteAsync(null, "INSERT INTO meeting_room_keys (meeting_id, key_name, pinned_utc) VALUES (@m, @k, @t) ON CONFLICT DO NOTHING", cancellationToken,
                ("m", meetingId.ToString()), ("k", ring.Current.Id), ("t", database.ToDb(time.GetUtcNow()))).ConfigureAwait(false);
        }

        if (await connection.ScalarAsync(null, "SELECT key_name FROM meeting_room_keys WHERE meeting_id = @m", cancellationToken, ("m", meetingId.ToString())).ConfigureAwait(false) is not string id)
        {
            // Nothing was handed out for this meeting yet: a PIN checked now is checked against the current key.
            return ring.Current;
        }

        var key = ring.Keys.FirstOrDefault(k => k.Id == id)
            ?? (await RingAsync(TimeSpan.Zero, cancellationToken).ConfigureAwait(false)).Keys.First(k => k.Id == id);
        _meetingKeys[meetingId] = id;
        return key;
    }

    /// <summary>
    /// Checks a token against every key that may have signed it: the current key, keys retired less
    /// than <see cref="RetiredWindow"/> ago, and for an invitation the key its meeting is pinned to.
    /// </summary>
    public async Task<(AccessToken? Token, TokenRefusal Refusal, string? KeyId)> ReadAsync(string? text, CancellationToken cancellationToken)
    {
        if (!AccessTokens.TryPeek(text, out var kind, out var meetingId))
        {
            return (null, TokenRefusal.Malformed, null);
        }

        var now = time.GetUtcNow();
        var pinned = kind == AccessTokenKind.Invite ? (await ForMeetingAsync(meetingId, pin: false, cancellationToken).ConfigureAwait(false)).Id : null;
        var ring = await RingAsync(RingLifetime, cancellationToken).ConfigureAwait(false);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            foreach (var key in ring.Keys.Where(k => k.RetiredUtc is not { } retired || now < retired + RetiredWindow || k.Id == pinned))
            {
                if (AccessTokens.TryRead(key.Secret, text, now, out var token, out var refusal) || refusal == TokenRefusal.Expired)
                {
                    return (token, refusal, key.Id);
                }
            }

            ring = await RingAsync(ReloadOnMissAfter, cancellationToken).ConfigureAwait(false);
        }

        return (null, TokenRefusal.Tampered, null);
    }

    /// <summary>Every key, newest first, without secrets.</summary>
    public async Task<IReadOnlyList<RoomKeyInfo>> ListAsync(CancellationToken cancellationToken) =>
        [.. (await RingAsync(TimeSpan.Zero, cancellationToken).ConfigureAwait(false)).Keys.Select(Info)];

    /// <summary>Makes a new key current and retires the current one, in one transaction.</summary>
    public async Task<RoomKeyInfo> RotateAsync(string actor, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(actor);
        await RingAsync(RingLifetime, cancellationToken).ConfigureAwait(false); // makes the first key if there is none
        var now = time.GetUtcNow();
        var id = "k" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var secret = Protector().Protect(RandomNumberGenerator.GetBytes(32));
        var retired = await database.InTransactionAsync(async (connection, transaction) =>
        {
            var old = await connection.ScalarAsync(transaction, "SELECT name FROM room_keys WHERE is_current = 1", cancellationToken).ConfigureAwait(false) as string;
            var changed = await connection.ExecuteAsync(transaction, "UPDATE room_keys SET is_current = NULL, retired_utc = @t, retired_by = @by WHERE is_current = 1 AND name = @old",
                cancellationToken, ("t", database.ToDb(now)), ("by", actor), ("old", old)).ConfigureAwait(false);
            if (changed != 1)
            {
                // Another rotation committed between the read and the update.
                throw new DomainException(DomainErrorKind.Conflict, "room-key.rotating", "The room key is being rotated by someone else; look at the key list and try again if needed.");
            }

            await connection.ExecuteAsync(transaction, "INSERT INTO room_keys (name, value, created_utc, is_current) VALUES (@n, @v, @t, 1)", cancellationToken,
                ("n", id), ("v", Convert.ToBase64String(secret)), ("t", database.ToDb(now))).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "room-key.rotated", "room-key", id,
                string.Create(CultureInfo.InvariantCulture, $"key {id} made current; key {old} retired, verifies room codes and tickets until {now + RetiredWindow:O} and its meetings' invitations until they are over"),
                cancellationToken).ConfigureAwait(false);
            return old!;
        }, cancellationToken).ConfigureAwait(false);
        var ring = await RingAsync(TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        Log.Rotated(logger, id, retired);
        return Info(ring.Keys.First(k => k.Id == id));
    }

    private static RoomKeyInfo Info(RoomKey key) => new(key.Id, key.CreatedUtc, key.RetiredUtc, key.RetiredBy, key.RetiredUtc is null);

    private IDataProtector Protector() => protection.CreateProtector("Conferencing.Room.Keys");

    /// <summary>The ring, re-read from the store when the copy held is older than <paramref name="maxAge"/>.</summary>
    private async ValueTask<Ring> RingAsync(TimeSpan maxAge, CancellationToken cancellationToken)
    {
        var held = Volatile.Read(ref _ring);
        if (held is not null && time.GetUtcNow() - held.LoadedUtc < maxAge)
        {
            return held;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var loadedWhileWaiting = _ring;
            if (loadedWhileWaiting is not null && loadedWhileWaiting != held && time.GetUtcNow() - loadedWhileWaiting.LoadedUtc < maxAge)
            {
                return loadedWhileWaiting;
            }

            var protector = Protector();
            await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            // The first start ever: two nodes both insert a first key, the unique current flag keeps one.
            await connection.ExecuteAsync(null,
                "INSERT INTO room_keys (name, value, created_utc, is_current) SELECT @n, @v, @t, 1 WHERE NOT EXISTS (SELECT 1 FROM room_keys WHERE is_current = 1) ON CONFLICT DO NOTHING",
                cancellationToken, ("n", "k" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))),
                ("v", Convert.ToBase64String(protector.Protect(RandomNumberGenerator.GetBytes(32)))), ("t", database.ToDb(time.GetUtcNow()))).ConfigureAwait(false);
            var keys = await connection.QueryAsync(null, "SELECT name, value, created_utc, retired_utc, retired_by FROM room_keys ORDER BY created_utc DESC, name",
                r => new RoomKey(r.GetString(0), protector.Unprotect(Convert.FromBase64String(r.GetString(1))), database.ReadTime(r, 2),
                    r.IsDBNull(3) ? null : database.ReadTime(r, 3), r.GetNullableString(4)), cancellationToken).ConfigureAwait(false);
            var ring = new Ring(keys, time.GetUtcNow());
            _ = ring.Current;
            Volatile.Write(ref _ring, ring);
            return ring;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 13300, Level = LogLevel.Warning, Message = "Room key {KeyId} made current; key {RetiredId} retired")]
        public static partial void Rotated(ILogger logger, string keyId, string retiredId);
    }
}
