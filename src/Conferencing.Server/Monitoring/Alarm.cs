using System.Text.Json.Serialization;

namespace Conferencing.Server.Monitoring;

[JsonConverter(typeof(JsonStringEnumConverter<AlarmSeverity>))]
public enum AlarmSeverity
{
    Minor,
    Major,
    Critical,
}

/// <summary>An alarm: raised by a rule, acknowledged by a technician, cleared when the cause goes away.</summary>
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
    DateTimeOffset? ClearedUtc)
{
    public bool IsActive => ClearedUtc is null;
}

/// <summary>Alarm kinds.</summary>
public static class AlarmKinds
{
    /// <summary>An endpoint stopped answering (or its registration lapsed) for longer than the set time.</summary>
    public const string EndpointOffline = "endpoint.offline";
}
