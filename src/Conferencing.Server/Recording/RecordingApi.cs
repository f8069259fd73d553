using Conferencing.Server.Accounts;
using Conferencing.Server.Common;
using Conferencing.Server.Hosting;
using Conferencing.Server.Meetings;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Conferencing.Server.Recording;

/// <summary>A recording as the API shows it.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Status">Recording, Finishing, Complete or Failed.</param>
/// <param name="StartedUtc">When it began.</param>
/// <param name="StartedLocal">The same in Asia/Ho_Chi_Minh.</param>
/// <param name="EndedUtc">When it stopped.</param>
/// <param name="DurationMs">Its length, once complete.</param>
/// <param name="SizeBytes">Its size, once complete.</param>
/// <param name="Segments">Segments it was written in.</param>
/// <param name="StopReason">Why it stopped.</param>
/// <param name="Url">Where it plays (range requests), once complete.</param>
public sealed record RecordingResponse(
    Guid Id, RecordingStatus Status, DateTimeOffset StartedUtc, string StartedLocal, DateTimeOffset? EndedUtc,
    long? DurationMs, long? SizeBytes, int Segments, string? StopReason, string? Url);

/// <summary>A meeting's recording switch and its recordings.</summary>
/// <param name="MeetingId">The meeting.</param>
/// <param name="Enabled">Whether the meeting is recorded (the switch, else the default for its kind).</param>
/// <param name="EnabledByDefault">Whether its kind is recorded by default (relayed from central).</param>
/// <param name="Recording">True while a recording runs.</param>
/// <param name="DiskLow">True while the disk guard holds recording off.</param>
/// <param name="Recordings">Oldest first.</param>
public sealed record MeetingRecordingsResponse(Guid MeetingId, bool Enabled, bool EnabledByDefault, bool Recording, bool DiskLow, IReadOnlyList<RecordingResponse> Recordings);

/// <summary>Turns recording on or off (null: back to the default for the meeting's kind).</summary>
public sealed record RecordingSwitchRequest(bool? Enabled);

/// <summary>
/// Recordings over HTTP, for the secretariat only (technicians and delegates get 403): the switch
/// per meeting, the list, and the files by range requests, each request written to the audit trail.
/// A scoped account reaches only recordings of meetings it can see.
/// </summary>
public static class RecordingApi
{
    public static IEndpointRouteBuilder MapRecordingApi(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        var meetings = routes.MapGroup("/api/meetings/{meetingId:guid}").WithTags("Recordings")
            .RequireAuthorization(StaffRoles.Policies.Secretariat).RequireMeetingScope().ProducesProblem(StatusCodes.Status403Forbidden);
        meetings.MapGet("/recordings", ListAsync).ProducesProblem(404).WithSummary("The meeting's recording switch and its recordings with duration and size.");
        meetings.MapPut("/recording", SwitchAsync).ProducesProblem(404).ProducesValidationProblem()
            .WithSummary("Turns recording on or off for the meeting (null: the default, on for meetings relayed from central).");
        routes.MapGet("/api/recordings/{id:guid}/file", FileAsync).WithTags("Recordings")
            .RequireAuthorization(StaffRoles.Policies.Secretariat)
            .RequireMeetingScope(async (http, cancellationToken) => Guid.TryParse(http.Request.RouteValues["id"]?.ToString(), out var id)
                && await http.RequestServices.GetRequiredService<RecordingStore>().GetAsync(id, cancellationToken).ConfigureAwait(false) is { } recording
                    ? recording.MeetingId : null)
            .ProducesProblem(403).ProducesProblem(404)
            .WithSummary("The recording's MP4, with range requests (206); every request is audited.");
        return routes;
    }

    private static async Task<Results<Ok<MeetingRecordingsResponse>, ProblemHttpResult>> ListAsync(
        MeetingService meetings, MeetingMediaSettingsStore settingsStore, RecordingStore store, RecordingService recorder, Guid meetingId, CancellationToken cancellationToken)
    {
        if (await meetings.GetAsync(meetingId, cancellationToken).ConfigureAwait(false) is not { } meeting)
        {
            return Problems.NotFound("meeting", meetingId.ToString());
        }

        var settings = await settingsStore.SettingsAsync(meetingId, cancellationToken).ConfigureAwait(false);
        var rows = await store.ListAsync(meetingId, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new MeetingRecordingsResponse(meetingId, settings.Records(meeting.Kind), MeetingMediaSettings.RecordsByDefault(meeting.Kind),
            recorder.ActiveRecordingId(meetingId) is not null, recorder.DiskLow, [.. rows.Select(Response)]));
    }

    internal static RecordingResponse Response(MeetingRecording r) => new(
        r.Id, r.Status, r.StartedUtc, VietnamTime.FormatLocal(r.StartedUtc), r.EndedUtc, r.DurationMs, r.SizeBytes, r.Segments, r.StopReason,
        r.Status == RecordingStatus.Complete ? $"/api/recordings/{r.Id}/file" : null);

    private static async Task<Results<Ok<MeetingRecordingsResponse>, ValidationProblem, ProblemHttpResult>> SwitchAsync(
        HttpContext http, MeetingService meetings, MeetingMediaSettingsStore settingsStore, RecordingStore store, RecordingService recorder, Guid meetingId, RecordingSwitchRequest? input, CancellationToken cancellationToken)
    {
        if (input is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["enabled"] = ["A JSON body with enabled true, false or null is needed."] });
        }

        if (await meetings.GetAsync(meetingId, cancellationToken).ConfigureAwait(false) is null)
        {
            return Problems.NotFound("meeting", meetingId.ToString());
        }

        await settingsStore.SetRecordingAsync(meetingId, input.Enabled, http.Actor(), cancellationToken).ConfigureAwait(false);
        recorder.SettingsChanged(meetingId);
        var listed = await ListAsync(meetings, settingsStore, store, recorder, meetingId, cancellationToken).ConfigureAwait(false);
        return listed.Result is Ok<MeetingRecordingsResponse> ok ? ok : Problems.NotFound("meeting", meetingId.ToString());
    }

    private static async Task<Results<PhysicalFileHttpResult, ProblemHttpResult>> FileAsync(
        HttpContext http, RecordingStore store, RecordingService recorder, Guid id, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } recording || recorder.FileOf(recording) is not { } path)
        {
            return Problems.NotFound("recording", id.ToString());
        }

        // Every request is a download as far as the trail is concerned: playback asks by ranges, and
        // the range shows how much was fetched.
        var range = http.Request.Headers.Range.ToString();
        await store.AuditDownloadAsync(recording, http.Actor(), range.Length == 0 ? "whole file" : range, cancellationToken).ConfigureAwait(false);
        return TypedResults.PhysicalFile(path, "video/mp4", $"recording-{recording.StartedUtc:yyyyMMdd-HHmm}.mp4", enableRangeProcessing: true);
    }
}
