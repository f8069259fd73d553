using System.Text.Json;
using System.Text.Json.Serialization;

namespace Conferencing.Server.Meetings;

public sealed partial class Meeting
{
    internal static readonly JsonSerializerOptions StoreJson = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The stored form. Field names are part of the schema: migrations read them (see <c>siteCodes</c>).</summary>
    internal sealed record Record(
        Guid Id,
        string Title,
        string? Description,
        MeetingKind Kind,
        MeetingStatus Status,
        string HostSiteCode,
        DateTimeOffset StartUtc,
        DateTimeOffset EndUtc,
        SiteSelection Selection,
        IReadOnlyList<string> SiteCodes,
        IReadOnlyList<MeetingDelegate> Delegates,
        IReadOnlyList<AgendaItem> Agenda,
        IReadOnlyList<RollCallEntry> RollCall,
        string CreatedBy,
        DateTimeOffset CreatedUtc,
        DateTimeOffset UpdatedUtc,
        DateTimeOffset? StartedUtc,
        DateTimeOffset? EndedUtc,
        string? CancelReason,
        string? FloorSiteCode = null,
        DateTimeOffset? FloorSinceUtc = null,
        MeetingDialIn? DialIn = null,
        string? FeedUri = null,
        bool PhoneDigitsProof = false);

    internal string ToJson() => JsonSerializer.Serialize(
        new Record(Id, Title, Description, Kind, Status, HostSiteCode, StartUtc, EndUtc, Selection, _siteCodes, _delegates, _agenda,
            [.. _rollCall.Values], CreatedBy, CreatedUtc, UpdatedUtc, StartedUtc, EndedUtc, CancelReason, FloorSiteCode, FloorSinceUtc, DialIn, FeedUri, PhoneDigitsProof),
        StoreJson);

    internal static Meeting FromJson(string json, int version)
    {
        var r = JsonSerializer.Deserialize<Record>(json, StoreJson) ?? throw new InvalidDataException("A stored meeting is empty.");
        var meeting = new Meeting(r.Id)
        {
            Version = version,
            Title = r.Title,
            Description = r.Description,
            Kind = r.Kind,
            Status = r.Status,
            HostSiteCode = r.HostSiteCode,
            StartUtc = r.StartUtc,
            EndUtc = r.EndUtc,
            Selection = r.Selection,
            _siteCodes = [.. r.SiteCodes],
            CreatedBy = r.CreatedBy,
            CreatedUtc = r.CreatedUtc,
            UpdatedUtc = r.UpdatedUtc,
            StartedUtc = r.StartedUtc,
            EndedUtc = r.EndedUtc,
            CancelReason = r.CancelReason,
            FloorSiteCode = r.FloorSiteCode,
            FloorSinceUtc = r.FloorSinceUtc,
            DialIn = r.DialIn,
            FeedUri = r.FeedUri,
            PhoneDigitsProof = r.PhoneDigitsProof,
        };
        meeting._delegates.AddRange(r.Delegates ?? []);
        meeting._agenda.AddRange(r.Agenda ?? []);
        foreach (var entry in r.RollCall ?? [])
        {
            meeting._rollCall[entry.SiteCode] = entry;
        }

        return meeting;
    }
}
