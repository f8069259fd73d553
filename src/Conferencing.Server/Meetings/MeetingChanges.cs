using System.Globalization;
using System.Text;
using Conferencing.Server.Common;

namespace Conferencing.Server.Meetings;

/// <summary>
/// What an edit changed, in one line for the audit trail: "who changed what" is only useful if the
/// what says more than the title. Times are local (Asia/Ho_Chi_Minh), as the secretariat set them.
/// </summary>
internal static class MeetingChanges
{
    internal sealed record Snapshot(
        string Title, string? Description, MeetingKind Kind, string Host, DateTimeOffset Start, DateTimeOffset End,
        IReadOnlyList<string> Sites, IReadOnlyList<MeetingDelegate> Delegates, IReadOnlyList<AgendaItem> Agenda, string? FeedUri, bool PhoneDigitsProof = false);

    public static Snapshot Capture(Meeting m) =>
        new(m.Title, m.Description, m.Kind, m.HostSiteCode, m.StartUtc, m.EndUtc, [.. m.SiteCodes], [.. m.Delegates], [.. m.Agenda], m.FeedUri, m.PhoneDigitsProof);

    public static string Describe(Snapshot before, Meeting after)
    {
        var parts = new List<string>();
        if (before.Title != after.Title)
        {
            parts.Add($"title was '{before.Title}'");
        }

        if (before.Kind != after.Kind)
        {
            parts.Add($"kind {before.Kind} → {after.Kind}");
        }

        if (before.Host != after.HostSiteCode)
        {
            parts.Add($"host {before.Host} → {after.HostSiteCode}");
        }

        if (before.Start != after.StartUtc || before.End != after.EndUtc)
        {
            parts.Add($"time {Local(before.Start)}–{Local(before.End)} → {Local(after.StartUtc)}–{Local(after.EndUtc)}");
        }

        var added = after.SiteCodes.Except(before.Sites, StringComparer.Ordinal).ToList();
        var removed = before.Sites.Except(after.SiteCodes, StringComparer.Ordinal).ToList();
        if (added.Count + removed.Count > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"sites +{added.Count} −{removed.Count} (now {after.SiteCodes.Count}){Few(added, '+')}{Few(removed, '−')}"));
        }

        if (!before.Delegates.SequenceEqual(after.Delegates))
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"delegates {before.Delegates.Count} → {after.Delegates.Count}"));
        }

        if (!before.Agenda.SequenceEqual(after.Agenda))
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"agenda {before.Agenda.Count} → {after.Agenda.Count} items"));
        }

        if (before.FeedUri != after.FeedUri)
        {
            parts.Add($"central feed {before.FeedUri ?? "dial-in"} → {after.FeedUri ?? "dial-in"}");
        }

        if (before.PhoneDigitsProof != after.PhoneDigitsProof)
        {
            parts.Add(after.PhoneDigitsProof ? "delegates may confirm with their phone's last four digits" : "delegates confirm with their PIN only");
        }

        if (before.Description != after.Description)
        {
            parts.Add("description");
        }

        return parts.Count == 0 ? $"{after.Title}: no change" : $"{after.Title}: {string.Join("; ", parts)}";
    }

    private static string Local(DateTimeOffset utc) => VietnamTime.ToLocal(utc).ToString("dd/MM HH:mm", CultureInfo.InvariantCulture);

    /// <summary>Names up to five codes; more than that, the counts say enough.</summary>
    private static string Few(List<string> codes, char sign)
    {
        if (codes.Count is 0 or > 5)
        {
            return "";
        }

        var text = new StringBuilder(" ");
        foreach (var code in codes)
        {
            text.Append(sign).Append(code).Append(' ');
        }

        return text.ToString().TrimEnd();
    }
}
