using System.Text.Json.Serialization;

namespace Conferencing.Server.Monitoring;

/// <summary>How urgent an alarm is. Ordered: a filter "at least Major" is a comparison.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AlarmSeverity>))]
public enum AlarmSeverity
{
    /// <summary>Worth a look when there is time (a room outside any meeting lost its registration).</summary>
    Minor,

    /// <summary>Needs a technician before the next meeting (a room offline, a call losing packets).</summary>
    Major,

    /// <summary>A live meeting is hurt now (a site in it is offline or sends nothing).</summary>
    Critical,
}

/// <summary>An alarm: raised by a rule, acknowledged by a technician, cleared when the cause goes away or by hand.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Kind">One of <see cref="AlarmKinds"/>.</param>
/// <param name="Severity">How urgent, decided when raised.</param>
/// <param name="EndpointId">The endpoint, when it is about one.</param>
/// <param name="SiteCode">The site.</param>
/// <param name="Message">What happened, in English for operators and logs (the page localizes by kind).</param>
/// <param name="RaisedUtc">When raised.</param>
/// <param name="AcknowledgedBy">Who acknowledged it, else null.</param>
/// <param name="AcknowledgedUtc">When, else null.</param>
/// <param name="ClearedUtc">When cleared, else null (active).</param>
/// <param name="MeetingId">The meeting whose call it is about, for call alarms.</param>
/// <param name="ClearedBy">Who cleared it by hand; null when the cause went away.</param>
public sealed record Alarm(
    Guid Id,
    string Kind,
    AlarmSeverity Severity,
    Guid? EndpointId,
    string SiteCode,
    string Message,
    DateTimeOffset RaisedUtc,
    string? AcknowledgedBy,
    DateTimeOffset? AcknowledgedUtc,
    DateTimeOffset? ClearedUtc,
    Guid? MeetingId = null,
    string? ClearedBy = null)
{
    public bool IsActive => ClearedUtc is null;
}

/// <summary>Alarm kinds.</summary>
public static class AlarmKinds
{
    /// <summary>An endpoint stopped answering (or its registration lapsed) for longer than the set time.</summary>
    public const string EndpointOffline = "endpoint.offline";

    /// <summary>A room that was registered is no longer (unregistered, or let the registration expire).</summary>
    public const string RegistrationLost = "endpoint.registration-lost";

    /// <summary>A call loses more packets than the threshold, either way, for longer than the set time.</summary>
    public const string CallLoss = "call.loss";

    /// <summary>A connected call from which the relay receives nothing.</summary>
    public const string NoMedia = "call.no-media";

    /// <summary>
    /// An endpoint was added to a site while a meeting of that site was preparing or live: the
    /// meeting's call plan and readiness were drawn without it. Raised once, cleared by hand.
    /// </summary>
    public const string EndpointAddedDuringMeeting = "endpoint.added-during-meeting";

    /// <summary>A room agent (it drives the room's camera and displays) is not connected. The alarm's endpoint id is the agent's id.</summary>
    public const string RoomAgentOffline = "room-agent.offline";

    /// <summary>A room device its agent cannot reach. The alarm's endpoint id is the device's subject id (<c>AlarmRules.DeviceSubject</c>).</summary>
    public const string RoomDeviceUnreachable = "room-device.unreachable";

    /// <summary>A projector reports a warning or error in its PJLink error status (ERST: fan, lamp, temperature, cover, filter, other).</summary>
    public const string ProjectorError = "room-device.projector-error";

    /// <summary>A projector's lamp has burnt at least <c>Alarms:LampHoursLimit</c> hours.</summary>
    public const string LampEndOfLife = "room-device.lamp-end-of-life";

    /// <summary>The recordings' disk fell under its free-space threshold: recording stopped. Cleared by hand.</summary>
    public const string RecordingDiskLow = "recording.disk-low";

    /// <summary>A site of a live meeting is out of its call and no operator hung it up (see <see cref="LiveMeetings.SitePhase.Dropped"/>).</summary>
    public const string CallDropped = "call.dropped";


    public static readonly string[] All = [EndpointOffline, RegistrationLost, CallLoss, NoMedia, EndpointAddedDuringMeeting, RoomAgentOffline, RoomDeviceUnreachable, ProjectorError, LampEndOfLife, RecordingDiskLow, CallDropped];
}

/// <summary>Which alarms a query returns by state.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AlarmStateFilter>))]
public enum AlarmStateFilter
{
    /// <summary>Every alarm.</summary>
    All,

    /// <summary>Not cleared (acknowledged or not).</summary>
    Active,

    /// <summary>Not cleared and not acknowledged: what still needs someone.</summary>
    Unacknowledged,

    /// <summary>Acknowledged, not cleared.</summary>
    Acknowledged,

    /// <summary>Cleared.</summary>
    Cleared,
}

/// <summary>A query of the alarm history.</summary>
/// <param name="SiteCode">The site and everything under it, or null for all.</param>
/// <param name="MinSeverity">At least this severity, or null for all.</param>
/// <param name="State">Which states.</param>
/// <param name="FromUtc">Raised at or after, or null.</param>
/// <param name="ToUtc">Raised before, or null.</param>
/// <param name="MeetingId">Of this meeting's calls, or null.</param>
/// <param name="Limit">At most this many, newest first.</param>
public sealed record AlarmQuery(
    string? SiteCode = null,
    AlarmSeverity? MinSeverity = null,
    AlarmStateFilter State = AlarmStateFilter.All,
    DateTimeOffset? FromUtc = null,
    DateTimeOffset? ToUtc = null,
    Guid? MeetingId = null,
    int Limit = AlarmQuery.DefaultLimit)
{
    public const int DefaultLimit = 200;

    public const int MaxLimit = 5000;
}
