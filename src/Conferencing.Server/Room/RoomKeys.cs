using System.Security.Cryptography;
using Conferencing.Server.Store;
using Microsoft.AspNetCore.DataProtection;

namespace Conferencing.Server.Room;

/// <summary>
/// The room's secret key: signs QR tokens and derives delegates' PINs. Made once, kept in the store
/// encrypted with ASP.NET Core Data Protection (whose keys are in the store too), so every node and
/// every restart signs and checks with the same key, and a printed PIN stays valid.
/// </summary>
public sealed class RoomKeys(Database database, IDataProtectionProvider protection, TimeProvider time)
{
    private const string KeyName = "room-signing";
    private readonly SemaphoreSlim _gate = new(1, 1);
    private byte[]? _key;

    public async ValueTask<byte[]> GetAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _key) is { } cached)
        {
            return cached;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_key is not null)
            {
                return _key;
            }

            var protector = protection.CreateProtector("Conferencing.Room.Keys");
            await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            // Two nodes starting at once: both insert, one wins, both read the winner.
            var fresh = protector.Protect(RandomNumberGenerator.GetBytes(32));
            await connection.ExecuteAsync(null, "INSERT INTO room_keys (name, value, created_utc) VALUES (@n, @v, @t) ON CONFLICT DO NOTHING", cancellationToken,
                ("n", KeyName), ("v", Convert.ToBase64String(fresh)), ("t", database.ToDb(time.GetUtcNow()))).ConfigureAwait(false);
            var stored = (string)(await connection.ScalarAsync(null, "SELECT value FROM room_keys WHERE name = @n", cancellationToken, ("n", KeyName)).ConfigureAwait(false))!;
            _key = protector.Unprotect(Convert.FromBase64String(stored));
            return _key;
        }
        finally
        {
            _gate.Release();
        }
    }
}
