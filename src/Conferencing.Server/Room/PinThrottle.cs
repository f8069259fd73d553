using System.Globalization;
using Conferencing.Server.Store;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.Room;

/// <summary>
/// Wrong-PIN throttles, in the store (<c>pin_throttle</c>) so that every node counts the same tries
/// and a restart forgets none. Two different holds, because the two have different owners:
/// <list type="bullet">
/// <item>A ticket (one opening of the room code on one device) gets <see cref="MaxAttemptsPerTicket"/>
/// PIN checks in all, counted before the check by one atomic upsert, so even a burst of parallel
/// posts cannot get more. A guessing device is held hard; it must scan again for a new ticket, and
/// tickets per address are bounded too.</item>
/// <item>A delegate is only ever slowed, never locked: after <see cref="RoomOptions.MaxFailedConfirmations"/>
/// free wrong PINs, each further one makes the next try wait twice as long, from one second up to
/// <see cref="RoomOptions.MaxPinDelay"/>. Someone flooding a delegate's name with wrong PINs cannot
/// keep the real delegate out for more than those few seconds, and gets at most one guess per
/// delay. The wait is checked then recorded, not reserved: two nodes may each let one try through
/// in the same instant, which the per-ticket bound keeps small.</item>
/// </list>
/// Delegate failures are forgotten after a quarter of an hour without one, or at a right PIN.
/// </summary>
public sealed class PinThrottle(Database database, IOptions<RoomOptions> options, TimeProvider time)
{
    /// <summary>PIN checks one ticket gets.</summary>
    public const int MaxAttemptsPerTicket = 5;

    private static readonly TimeSpan ForgetAfter = TimeSpan.FromMinutes(15);

    /// <summary>Counts a PIN check on a ticket; false when the ticket had all its checks already.</summary>
    public async Task<bool> TryCountTicketAttemptAsync(string ticketId, CancellationToken cancellationToken)
    {
        var now = database.ToDb(time.GetUtcNow());
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var attempts = await connection.ScalarAsync(null,
            "INSERT INTO pin_throttle (key, attempts, failures, next_allowed_utc, updated_utc) VALUES (@k, 1, 0, @now, @now) " +
            "ON CONFLICT (key) DO UPDATE SET attempts = pin_throttle.attempts + 1, updated_utc = @now RETURNING attempts",
            cancellationToken, ("k", TicketKey(ticketId)), ("now", now)).ConfigureAwait(false);
        return Convert.ToInt32(attempts, CultureInfo.InvariantCulture) <= MaxAttemptsPerTicket;
    }

    /// <summary>Whether a ticket still has PIN checks left.</summary>
    public async Task<bool> TicketHasAttemptsAsync(string ticketId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var attempts = await connection.ScalarAsync(null, "SELECT attempts FROM pin_throttle WHERE key = @k", cancellationToken, ("k", TicketKey(ticketId))).ConfigureAwait(false);
        return attempts is null or DBNull || Convert.ToInt32(attempts, CultureInfo.InvariantCulture) < MaxAttemptsPerTicket;
    }

    /// <summary>How long the delegate must still wait before the next PIN is checked; zero for now.</summary>
    public async Task<TimeSpan> DelegateWaitAsync(Guid meetingId, Guid delegateId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync(null, "SELECT next_allowed_utc FROM pin_throttle WHERE key = @k", r => database.ReadTime(r, 0),
            cancellationToken, ("k", DelegateKey(meetingId, delegateId))).ConfigureAwait(false);
        var wait = rows.Count == 0 ? TimeSpan.Zero : rows[0] - time.GetUtcNow();
        return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
    }

    /// <summary>Records a wrong PIN for the delegate and sets when the next may be tried.</summary>
    public Task DelegateFailedAsync(Guid meetingId, Guid delegateId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var key = DelegateKey(meetingId, delegateId);
        return database.InTransactionAsync(async (connection, transaction) =>
        {
            var failures = Convert.ToInt32(await connection.ScalarAsync(transaction,
                "INSERT INTO pin_throttle (key, attempts, failures, next_allowed_utc, updated_utc) VALUES (@k, 1, 1, @now, @now) " +
                "ON CONFLICT (key) DO UPDATE SET attempts = pin_throttle.attempts + 1, " +
                "failures = CASE WHEN pin_throttle.updated_utc < @stale THEN 1 ELSE pin_throttle.failures + 1 END, updated_utc = @now RETURNING failures",
                cancellationToken, ("k", key), ("now", database.ToDb(now)), ("stale", database.ToDb(now - ForgetAfter))).ConfigureAwait(false), CultureInfo.InvariantCulture);
            await connection.ExecuteAsync(transaction, "UPDATE pin_throttle SET next_allowed_utc = @next WHERE key = @k", cancellationToken,
                ("k", key), ("next", database.ToDb(now + Delay(failures, options.Value.MaxFailedConfirmations, options.Value.MaxPinDelay)))).ConfigureAwait(false);

            // Tickets live minutes and delegates' rows a quarter of an hour: keep the table small.
            await connection.ExecuteAsync(transaction, "DELETE FROM pin_throttle WHERE updated_utc < @old", cancellationToken,
                ("old", database.ToDb(now.AddDays(-1)))).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <summary>A right PIN: the delegate's count starts again.</summary>
    public async Task DelegateSucceededAsync(Guid meetingId, Guid delegateId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(null, "DELETE FROM pin_throttle WHERE key = @k", cancellationToken, ("k", DelegateKey(meetingId, delegateId))).ConfigureAwait(false);
    }

    /// <summary>The wait after <paramref name="failures"/> wrong PINs: none for the first <paramref name="free"/>, then 1 s doubling up to <paramref name="cap"/>.</summary>
    public static TimeSpan Delay(int failures, int free, TimeSpan cap)
    {
        if (failures <= free)
        {
            return TimeSpan.Zero;
        }

        var doubling = TimeSpan.FromSeconds(Math.Pow(2, Math.Min(failures - free - 1, 20)));
        return doubling < cap ? doubling : cap;
    }

    private static string TicketKey(string ticketId) => "t:" + ticketId;

    private static string DelegateKey(Guid meetingId, Guid delegateId) => string.Create(CultureInfo.InvariantCulture, $"d:{meetingId:N}:{delegateId:N}");
}
