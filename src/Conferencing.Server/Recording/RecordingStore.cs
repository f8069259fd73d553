using System.Data.Common;
using System.Text.Json.Serialization;
using Conferencing.Server.Meetings;
using Conferencing.Server.Store;

namespace Conferencing.Server.Recording;

/// <summary>Where a recording is in its life.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RecordingStatus>))]
public enum RecordingStatus
{
    /// <summary>ffmpeg writes segments now.</summary>
    Recording,

    /// <summary>Stopped; the segments are being joined into the MP4.</summary>
    Finishing,

    /// <summary>The MP4 is there to play.</summary>
    Complete,

    /// <summary>Nothing playable came of it (no media arrived, or the segments could not be joined).</summary>
    Failed,
}

/// <summary>One recording of a meeting.</summary>
/// <param name="Id">Its id.</param>
/// <param name="MeetingId">The meeting.</param>
/// <param name="Status">Where it is.</param>
/// <param name="StartedUtc">When recording began.</param>
/// <param name="EndedUtc">When it stopped, else null.</param>
/// <param name="FileName">The MP4 under the recording's folder, once complete.</param>
/// <param name="SizeBytes">The MP4's size.</param>
/// <param name="DurationMs">Its duration as ffprobe reads it.</param>
/// <param name="Segments">Segments written (a crash loses at most the one being written).</param>
/// <param name="StopReason">Why it stopped: meeting-ended, switched-off, disk-low, server-restart, or what failed.</param>
public sealed record MeetingRecording(
    Guid Id,
    Guid MeetingId,
    RecordingStatus Status,
    DateTimeOffset StartedUtc,
    DateTimeOffset? EndedUtc,
    string? FileName,
    long? SizeBytes,
    long? DurationMs,
    int Segments,
    string? StopReason);

/// <summary>Recordings in the store (schema v18).</summary>
public sealed class RecordingStore(Database database, AuditLog audit)
{
    private const string Columns = "id, meeting_id, status, started_utc, ended_utc, file_name, size_bytes, duration_ms, segments, stop_reason";

    public async Task<IReadOnlyList<MeetingRecording>> ListAsync(Guid meetingId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QueryAsync(null, $"SELECT {Columns} FROM recordings WHERE meeting_id = @m ORDER BY started_utc", Read, cancellationToken, ("m", meetingId.ToString())).ConfigureAwait(false);
    }

    public async Task<MeetingRecording?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync(null, $"SELECT {Columns} FROM recordings WHERE id = @id", Read, cancellationToken, ("id", id.ToString())).ConfigureAwait(false);
        return rows.Count > 0 ? rows[0] : null;
    }

    /// <summary>Recordings left Recording or Finishing (by a crash or a stop of the server).</summary>
    public async Task<IReadOnlyList<MeetingRecording>> UnfinishedAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QueryAsync(null, $"SELECT {Columns} FROM recordings WHERE status IN ('Recording', 'Finishing')", Read, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Recordings that ended before <paramref name="before"/>.</summary>
    public async Task<IReadOnlyList<MeetingRecording>> EndedBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QueryAsync(null, $"SELECT {Columns} FROM recordings WHERE ended_utc IS NOT NULL AND ended_utc < @b", Read, cancellationToken, ("b", database.ToDb(before))).ConfigureAwait(false);
    }

    public Task InsertAsync(MeetingRecording recording, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync(transaction, $"INSERT INTO recordings ({Columns}) VALUES (@id, @m, @s, @start, NULL, NULL, NULL, NULL, 0, NULL)", cancellationToken,
                ("id", recording.Id.ToString()), ("m", recording.MeetingId.ToString()), ("s", recording.Status.ToString()), ("start", database.ToDb(recording.StartedUtc))).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, "system", "recording.started", "meeting", recording.MeetingId.ToString(), $"recording {recording.Id}", cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public async Task UpdateAsync(MeetingRecording recording, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(null,
            "UPDATE recordings SET status = @s, ended_utc = @end, file_name = @f, size_bytes = @size, duration_ms = @d, segments = @seg, stop_reason = @why WHERE id = @id", cancellationToken,
            ("id", recording.Id.ToString()), ("s", recording.Status.ToString()), ("end", recording.EndedUtc is { } end ? database.ToDb(end) : null),
            ("f", recording.FileName), ("size", recording.SizeBytes), ("d", recording.DurationMs), ("seg", recording.Segments), ("why", recording.StopReason)).ConfigureAwait(false);
    }

    /// <summary>Deletes a recording's row, audited (its files are the caller's).</summary>
    public Task DeleteAsync(MeetingRecording recording, string actor, string why, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync(transaction, "DELETE FROM recordings WHERE id = @id", cancellationToken, ("id", recording.Id.ToString())).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "recording.deleted", "meeting", recording.MeetingId.ToString(), $"recording {recording.Id}: {why}", cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>Writes a download (or a stretch of playback) to the audit trail.</summary>
    public Task AuditDownloadAsync(MeetingRecording recording, string actor, string range, CancellationToken cancellationToken) =>
        database.InTransactionAsync(
            (connection, transaction) => audit.WriteAsync(connection, transaction, actor, "recording.downloaded", "recording", recording.Id.ToString(),
                $"meeting {recording.MeetingId}, {range}", cancellationToken),
            cancellationToken);

    private MeetingRecording Read(DbDataReader r) => new(
        Guid.Parse(r.GetString(0)),
        Guid.Parse(r.GetString(1)),
        Enum.Parse<RecordingStatus>(r.GetString(2)),
        database.ReadTime(r, 3),
        r.IsDBNull(4) ? null : database.ReadTime(r, 4),
        r.GetNullableString(5),
        r.IsDBNull(6) ? null : Convert.ToInt64(r.GetValue(6), System.Globalization.CultureInfo.InvariantCulture),
        r.IsDBNull(7) ? null : Convert.ToInt64(r.GetValue(7), System.Globalization.CultureInfo.InvariantCulture),
        Convert.ToInt32(r.GetValue(8), System.Globalization.CultureInfo.InvariantCulture),
        r.GetNullableString(9));
}
