using System.Text.Json.Serialization;

namespace Conferencing.Server.Endpoints.Presence;

/// <summary>What the server knows of an endpoint outside meetings.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<EndpointState>))]
public enum EndpointState
{
    /// <summary>Never heard from since the server started.</summary>
    Unknown,

    /// <summary>Registered, keepalive not yet answered.</summary>
    Registered,

    /// <summary>Answers OPTIONS.</summary>
    Reachable,

    /// <summary>In a call (set by the relay integration).</summary>
    InCall,

    /// <summary>Answers, but slowly or with loss (set by the relay integration).</summary>
    Degraded,

    /// <summary>Registration lapsed or nothing answered for longer than the offline threshold.</summary>
    Offline,
}

/// <summary>One endpoint's presence.</summary>
public sealed record EndpointPresence(
    Guid EndpointId,
    string SiteCode,
    string SipUri,
    EndpointState State,
    string? Contact,
    DateTimeOffset? RegisteredUntilUtc,
    double? OptionsRoundTripMs,
    DateTimeOffset? LastSeenUtc,
    DateTimeOffset SinceUtc,
    string? Reason);
