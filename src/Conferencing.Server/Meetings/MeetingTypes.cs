using System.Text.Json.Serialization;
using Conferencing.Server.Sites;

namespace Conferencing.Server.Meetings;

/// <summary>The three kinds the province counts in its yearly figures.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MeetingKind>))]
public enum MeetingKind
{
    /// <summary>The central government's meeting, relayed down through the province.</summary>
    RelayedFromCentral,

    /// <summary>Hosted by the province (or one of its departments) for its sites.</summary>
    ProvinceHosted,

    /// <summary>Hosted by a district or a commune for the sites under or beside it.</summary>
    CommuneLevel,
}

/// <summary>Lifecycle: Scheduled → Preparing → Live → Ended, or Cancelled before it goes live.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MeetingStatus>))]
public enum MeetingStatus
{
    Scheduled,
    Preparing,
    Live,
    Ended,
    Cancelled,
}

[JsonConverter(typeof(JsonStringEnumConverter<AttendanceStatus>))]
public enum AttendanceStatus
{
    Present,
    Absent,
    Late,
}

/// <summary>
/// How the participating sites were chosen: whole subtrees (optionally only some levels of them,
/// e.g. every commune under the province) plus single sites.
/// </summary>
public sealed record SiteSelection(IReadOnlyList<string>? Subtrees, IReadOnlyList<string>? Sites, IReadOnlyList<SiteLevel>? Levels = null);

/// <summary>A delegate expected at a site. The phone number lets a delegate confirm who they are.</summary>
public sealed record MeetingDelegate(Guid Id, string Name, string? Title, string? Unit, string SiteCode, string? Phone);

public sealed record AgendaItem(Guid Id, int Order, string Title, string? Presenter, int? DurationMinutes);

/// <summary>Attendance of one site, as the secretariat recorded it.</summary>
public sealed record RollCallEntry(string SiteCode, AttendanceStatus Status, string? Reason, DateTimeOffset? ArrivedUtc, string RecordedBy, DateTimeOffset RecordedUtc);

public sealed record DelegateInput(Guid? Id, string? Name, string? Title, string? Unit, string? SiteCode, string? Phone);

/// <summary>One site's attendance in a roll call of several sites.</summary>
public sealed record AttendanceInput(string? SiteCode, AttendanceStatus? Status, string? Reason, DateTimeOffset? ArrivedUtc);

public sealed record AgendaInput(Guid? Id, string? Title, string? Presenter, int? DurationMinutes);

/// <summary>Everything a secretariat sets when scheduling or editing a meeting.</summary>
public sealed record MeetingDetails(
    string? Title,
    string? Description,
    MeetingKind? Kind,
    string? HostSiteCode,
    DateTimeOffset? StartUtc,
    DateTimeOffset? EndUtc,
    SiteSelection? Sites,
    IReadOnlyList<DelegateInput>? Delegates,
    IReadOnlyList<AgendaInput>? Agenda,
    string? FeedUri = null,
    bool? PhoneDigitsProof = null);

/// <summary>
/// How endpoints (and the central MCU) dial into a meeting: <c>number*pin</c> at the relay that
/// serves them, always with their digest credentials as well. The number is unique among meetings;
/// every relay of the meeting's cascade uses it.
/// </summary>
/// <param name="Number">Seven digits.</param>
/// <param name="Pin">Six digits.</param>
public sealed record MeetingDialIn(string Number, string Pin);
