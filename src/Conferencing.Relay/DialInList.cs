using System.Collections.Frozen;

namespace Conferencing.Relay;

/// <summary>
/// Who may dial in to one relay meeting: an immutable value the meeting swaps whole, so a dial-in
/// being authenticated reads one list, never a half-replaced one.
/// </summary>
/// <remarks>
/// Users taken off the list are kept in <see cref="Former"/> for the life of the meeting, for
/// authentication only: a room whose site was removed proves who it is and is told 403 (not
/// invited), where a relay that had forgotten its password could only challenge it again (401), which
/// a room system shows as a wrong password and a technician would chase as one. A former user is
/// never let in.
/// </remarks>
internal sealed class DialInList
{
    private DialInList(FrozenDictionary<string, string> allowed, FrozenDictionary<string, string> former)
    {
        Allowed = allowed;
        Former = former;
    }

    /// <summary>Nobody.</summary>
    public static DialInList Empty { get; } = new(FrozenDictionary<string, string>.Empty, FrozenDictionary<string, string>.Empty);

    /// <summary>Users allowed in, with their passwords.</summary>
    public FrozenDictionary<string, string> Allowed { get; }

    /// <summary>Users once allowed in and since removed, with their last passwords.</summary>
    public FrozenDictionary<string, string> Former { get; }

    /// <summary>The first list of a meeting.</summary>
    public static DialInList Of(IReadOnlyDictionary<string, string>? allowed) =>
        allowed is null || allowed.Count == 0 ? Empty : new(allowed.ToFrozenDictionary(StringComparer.Ordinal), FrozenDictionary<string, string>.Empty);

    /// <summary>The list that replaces this one; users this one allowed and the new one does not become former users.</summary>
    public DialInList Replace(IReadOnlyDictionary<string, string> allowed)
    {
        var former = new Dictionary<string, string>(Former, StringComparer.Ordinal);
        foreach (var (user, password) in Allowed)
        {
            former[user] = password;
        }

        foreach (string user in allowed.Keys)
        {
            former.Remove(user);
        }

        return new(allowed.ToFrozenDictionary(StringComparer.Ordinal), former.ToFrozenDictionary(StringComparer.Ordinal));
    }
}
