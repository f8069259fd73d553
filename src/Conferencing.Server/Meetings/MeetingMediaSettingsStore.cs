using Conferencing.Server.Store;

namespace Conferencing.Server.Meetings;

/// <summary>A meeting's media settings as the secretariat set them (null: the default for the meeting's kind).</summary>
public sealed record MeetingMediaSettings(Guid MeetingId, bool? RecordingEnabled, bool OpenDiscussion)
{
    /// <summary>Meetings relayed from central are recorded unless switched off; others only when switched on.</summary>
    public static bool RecordsByDefault(MeetingKind kind) => kind == MeetingKind.RelayedFromCentral;

    public bool Records(MeetingKind kind) => RecordingEnabled ?? RecordsByDefault(kind);
}

/// <summary>
/// Each meeting's media settings (schema v18, beside the meeting's document rather than in it: they
/// change while the meeting is live and must not bump its version): the recording switch and open
/// discussion. Every change is audited.
/// </summary>
public sealed class MeetingMediaSettingsStore(Database database, AuditLog audit, TimeProvider time)
{
    public async Task<MeetingMediaSettings> SettingsAsync(Guid meetingId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync(null, "SELECT recording_enabled, open_discussion FROM meeting_media_settings WHERE meeting_id = @m",
            r => new MeetingMediaSettings(meetingId, r.IsDBNull(0) ? null : Convert.ToInt64(r.GetValue(0), System.Globalization.CultureInfo.InvariantCulture) != 0,
                Convert.ToInt64(r.GetValue(1), System.Globalization.CultureInfo.InvariantCulture) != 0),
            cancellationToken, ("m", meetingId.ToString())).ConfigureAwait(false);
        return rows.Count > 0 ? rows[0] : new MeetingMediaSettings(meetingId, null, false);
    }

    /// <summary>Every meeting whose open discussion is on, to hand back to the conductor after a restart.</summary>
    public async Task<IReadOnlyList<Guid>> OpenDiscussionMeetingsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QueryAsync(null, "SELECT meeting_id FROM meeting_media_settings WHERE open_discussion = 1", r => Guid.Parse(r.GetString(0)), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sets the recording switch (null: back to the kind's default), audited.</summary>
    public Task SetRecordingAsync(Guid meetingId, bool? enabled, string actor, CancellationToken cancellationToken) =>
        UpsertAsync(meetingId, "recording_enabled", enabled is null ? null : enabled.Value ? 1 : 0, actor,
            "meeting.recording-set", enabled is null ? "recording: default" : enabled.Value ? "recording on" : "recording off", cancellationToken);

    /// <summary>Sets open discussion, audited.</summary>
    public Task SetOpenDiscussionAsync(Guid meetingId, bool on, string actor, CancellationToken cancellationToken) =>
        UpsertAsync(meetingId, "open_discussion", on ? 1 : 0, actor, "meeting.audio-mode-set", on ? "open discussion" : "floor only", cancellationToken);

    private Task UpsertAsync(Guid meetingId, string column, int? value, string actor, string action, string summary, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync(transaction,
                $"INSERT INTO meeting_media_settings (meeting_id, {column}, updated_utc, updated_by) VALUES (@m, @v, @t, @by) "
                + $"ON CONFLICT (meeting_id) DO UPDATE SET {column} = @v, updated_utc = @t, updated_by = @by",
                cancellationToken, ("m", meetingId.ToString()), ("v", value), ("t", database.ToDb(time.GetUtcNow())), ("by", actor)).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, action, "meeting", meetingId.ToString(), summary, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
}
