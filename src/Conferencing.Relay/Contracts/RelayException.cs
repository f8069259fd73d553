namespace Conferencing.Relay;

/// <summary>How a relay command failed, which decides its HTTP status.</summary>
public enum RelayErrorKind
{
    /// <summary>The request is invalid (400).</summary>
    Invalid,

    /// <summary>The meeting or leg does not exist (404).</summary>
    NotFound,

    /// <summary>The command conflicts with the current state (409).</summary>
    Conflict,

    /// <summary>The relay cannot do it now: no free media ports, shutting down (503).</summary>
    Unavailable,

    /// <summary>The caller did not present the relay's key (401).</summary>
    Unauthorized,
}

/// <summary>
/// The one exception relay commands throw, from the in-process node and from the HTTP client
/// alike, with a stable <see cref="Code"/> for callers to act on.
/// </summary>
public sealed class RelayException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RelayException(RelayErrorKind kind, string code, string message, IReadOnlyDictionary<string, string[]>? errors = null)
        : base(message)
    {
        Kind = kind;
        Code = code;
        Errors = errors ?? new Dictionary<string, string[]>();
    }

    /// <summary>What went wrong, broadly.</summary>
    public RelayErrorKind Kind { get; }

    /// <summary>A stable code such as <c>relay.meeting-not-found</c>.</summary>
    public string Code { get; }

    /// <summary>Field errors for <see cref="RelayErrorKind.Invalid"/>, keyed by JSON field name.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }

    internal static RelayException MeetingNotFound(string number) =>
        new(RelayErrorKind.NotFound, "relay.meeting-not-found", $"No relay meeting {number} is open.");

    internal static RelayException LegNotFound(string number, string legId) =>
        new(RelayErrorKind.NotFound, "relay.leg-not-found", $"Meeting {number} has no leg '{legId}'.");

    internal static RelayException Invalid(string field, string message) =>
        new(RelayErrorKind.Invalid, "validation", message, new Dictionary<string, string[]> { [field] = [message] });
}
