using System.Globalization;
using Conferencing.Server.Store;

namespace Conferencing.Server.Room;

/// <summary>A delegate's current PIN generation and the expiry that marks the invitation code issued with it.</summary>
public sealed record DelegatePin(int Generation, DateTimeOffset InviteExpiresUtc);

/// <summary>
/// Reissued PINs. A PIN is derived from the room key, the meeting, the delegate and a generation
/// (0 until the first reissue, so PINs printed before this existed stay valid); reissuing bumps the
/// generation, which changes the PIN, and gives the invitation code an expiry a few seconds earlier
/// than the last one. Tokens carry no generation, so that expiry is what tells the new invitation
/// from the old: once a delegate has a row here, only an invitation with exactly its expiry is
/// accepted, and the lost paper stops working with its PIN.
/// </summary>
public sealed class DelegatePins(Database database, AuditLog audit, TimeProvider time)
{
    public async Task<DelegatePin?> GetAsync(Guid meetingId, Guid delegateId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync(null, "SELECT generation, invite_expires_utc FROM delegate_pins WHERE meeting_id = @m AND delegate_id = @d",
            r => new DelegatePin(Convert.ToInt32(r.GetValue(0), CultureInfo.InvariantCulture), database.ReadTime(r, 1)), cancellationToken,
            ("m", meetingId.ToString()), ("d", delegateId.ToString())).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>Bumps the delegate's generation; <paramref name="inviteExpiresUtc"/> is the invitation's usual expiry.</summary>
    public Task<DelegatePin> ReissueAsync(Guid meetingId, Guid delegateId, DateTimeOffset inviteExpiresUtc, string actor, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            var now = time.GetUtcNow();
            var generation = Convert.ToInt32(await connection.ScalarAsync(transaction,
                "INSERT INTO delegate_pins (meeting_id, delegate_id, generation, invite_expires_utc, reissued_by, reissued_utc) VALUES (@m, @d, 1, @exp, @by, @now) " +
                "ON CONFLICT (meeting_id, delegate_id) DO UPDATE SET generation = delegate_pins.generation + 1, reissued_by = @by, reissued_utc = @now RETURNING generation",
                cancellationToken, ("m", meetingId.ToString()), ("d", delegateId.ToString()), ("exp", database.ToDb(inviteExpiresUtc)), ("by", actor),
                ("now", database.ToDb(now))).ConfigureAwait(false), CultureInfo.InvariantCulture);

            // Whole seconds, as tokens carry them; each generation a second earlier than the one before.
            var expires = DateTimeOffset.FromUnixTimeSeconds(inviteExpiresUtc.ToUnixTimeSeconds() - generation);
            await connection.ExecuteAsync(transaction, "UPDATE delegate_pins SET invite_expires_utc = @exp WHERE meeting_id = @m AND delegate_id = @d", cancellationToken,
                ("exp", database.ToDb(expires)), ("m", meetingId.ToString()), ("d", delegateId.ToString())).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "delegate.pin-reissued", "meeting", meetingId.ToString(),
                string.Create(CultureInfo.InvariantCulture, $"delegate {delegateId}: PIN and invitation generation {generation}"), cancellationToken).ConfigureAwait(false);
            return new DelegatePin(generation, expires);
        }, cancellationToken);
}
