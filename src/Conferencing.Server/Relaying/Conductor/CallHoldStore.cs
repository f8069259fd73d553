using Conferencing.Server.Store;

namespace Conferencing.Server.Relaying;

/// <summary>A technician's hang-up that keeps an endpoint out of a meeting until a redial.</summary>
public sealed record CallHold(Guid MeetingId, Guid EndpointId, DateTimeOffset HeldUtc, string HeldBy);

/// <summary>
/// Holds in the store (migration 14), so a restart or another node taking over during a live meeting
/// keeps a held site out. The conductor reads them with every refresh of the world, so the store is
/// the one authority and the loop's copy follows it.
/// </summary>
public sealed class CallHoldStore(Database database)
{
    public Task HoldAsync(CallHold hold, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hold);
        return database.InTransactionAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync(transaction,
                """
                INSERT INTO call_holds (meeting_id, endpoint_id, held_utc, held_by) VALUES (@m, @e, @t, @b)
                ON CONFLICT (meeting_id, endpoint_id) DO UPDATE SET held_utc = excluded.held_utc, held_by = excluded.held_by
                """,
                cancellationToken, ("m", hold.MeetingId.ToString()), ("e", hold.EndpointId.ToString()), ("t", database.ToDb(hold.HeldUtc)), ("b", hold.HeldBy)).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <summary>Releases one hold; true when there was one.</summary>
    public async Task<bool> ReleaseAsync(Guid meetingId, Guid endpointId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(null, "DELETE FROM call_holds WHERE meeting_id = @m AND endpoint_id = @e", cancellationToken,
            ("m", meetingId.ToString()), ("e", endpointId.ToString())).ConfigureAwait(false) > 0;
    }

    /// <summary>Drops a finished meeting's holds.</summary>
    public async Task ReleaseMeetingAsync(Guid meetingId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(null, "DELETE FROM call_holds WHERE meeting_id = @m", cancellationToken, ("m", meetingId.ToString())).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<CallHold>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QueryAsync(null, "SELECT meeting_id, endpoint_id, held_utc, held_by FROM call_holds ORDER BY meeting_id, endpoint_id",
            r => new CallHold(Guid.Parse(r.GetString(0)), Guid.Parse(r.GetString(1)), database.ReadTime(r, 2), r.GetString(3)), cancellationToken).ConfigureAwait(false);
    }
}
