namespace Conferencing.Server.Common;

/// <summary>What kind of rule a <see cref="DomainException"/> reports; the API maps it to a status code.</summary>
public enum DomainErrorKind
{
    /// <summary>The input breaks a rule of the model (400).</summary>
    Invalid,

    /// <summary>The thing named does not exist (404).</summary>
    NotFound,

    /// <summary>The request conflicts with the current state or another record (409).</summary>
    Conflict,
}

/// <summary>
/// The one exception type the domain throws. It carries a stable machine-readable code, a message a
/// person can act on, and for validation errors the field at fault.
/// </summary>
public sealed class DomainException : Exception
{
    public DomainException(DomainErrorKind kind, string code, string message, string? field = null, IReadOnlyDictionary<string, object?>? details = null)
        : base(message)
    {
        Kind = kind;
        Code = code;
        Field = field;
        Details = details ?? new Dictionary<string, object?>();
    }

    public DomainErrorKind Kind { get; }

    /// <summary>Stable code, e.g. <c>meeting.illegal-transition</c>.</summary>
    public string Code { get; }

    /// <summary>The input field at fault, in the API's JSON naming, when there is one.</summary>
    public string? Field { get; }

    /// <summary>Extra facts for the client, such as the meetings and sites in conflict.</summary>
    public IReadOnlyDictionary<string, object?> Details { get; }

    public static DomainException Invalid(string field, string message) => new(DomainErrorKind.Invalid, "validation", message, field);

    public static DomainException NotFound(string what, string key) => new(DomainErrorKind.NotFound, $"{what}.not-found", $"No {what} '{key}' exists.");
}
