using System.Collections.Concurrent;

namespace Conferencing.Server.Monitoring;

/// <summary>
/// Which scopes have a dashboard connected, so the monitored-meetings list is cut once per scope in
/// use (not once per connection) and sent to that scope's group only: a scoped dashboard never
/// receives the title of a meeting it may not see. Counts connections per scope root; the province
/// (no scope) has its own group and is not counted here.
/// </summary>
public sealed class MeetingListAudience
{
    private readonly ConcurrentDictionary<string, int> _roots = new(StringComparer.Ordinal);

    /// <summary>The group a connection with this scope root (null for the province) receives the list in.</summary>
    public static string Group(string? root) => root is null ? "monitoring:meetings" : "monitoring:meetings:" + root;

    /// <summary>The scope roots with at least one connection now.</summary>
    public IReadOnlyList<string> Roots => [.. _roots.Where(p => p.Value > 0).Select(p => p.Key)];

    public void Join(string? root)
    {
        if (root is not null)
        {
            _roots.AddOrUpdate(root, 1, (_, n) => n + 1);
        }
    }

    public void Leave(string? root)
    {
        if (root is null)
        {
            return;
        }

        // A root whose last connection left stays with a count of 0 (skipped by Roots): removing it
        // here could race a Join of the same root and lose that connection's count.
        _roots.AddOrUpdate(root, 0, (_, n) => Math.Max(0, n - 1));
    }
}
