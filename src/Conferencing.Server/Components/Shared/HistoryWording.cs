using System.Globalization;
using System.Text.RegularExpressions;
using Conferencing.Server.Common;
using Conferencing.Server.Meetings;
using Conferencing.Server.Store;
using Microsoft.Extensions.Localization;

namespace Conferencing.Server.Components.Shared;

/// <summary>
/// Audit lines and alarm messages as a person reads them, in the interface's language. The store
/// keeps the English line each service writes (the audit trail is evidence and is never rewritten),
/// so the wording is drawn from that line by its known shapes: codes become words, site codes and
/// delegate ids become names, times become local ones, user agents a device name. A line of a
/// shape this class does not know is shown as it was written.
/// </summary>
public sealed partial class HistoryWording(IStringLocalizer<Ui> text, Func<string, string> siteName, Func<Guid, string?> delegateName)
{
    /// <summary>Wording for a meeting's own history: names from the meeting and the site tree.</summary>
    public static HistoryWording For(Meeting meeting, Func<string, string> siteName, IStringLocalizer<Ui> text)
    {
        ArgumentNullException.ThrowIfNull(meeting);
        var names = meeting.Delegates.ToDictionary(d => d.Id, d => d.Name);
        return new HistoryWording(text, siteName, id => names.GetValueOrDefault(id));
    }

    /// <summary>Who did it: a staff account as itself, a delegate ("delegate:GUID") by name.</summary>
    public string Actor(string actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        const string DelegatePrefix = "delegate:";
        if (actor.StartsWith(DelegatePrefix, StringComparison.Ordinal) && Guid.TryParse(actor.AsSpan(DelegatePrefix.Length), out var id))
        {
            return delegateName(id) ?? text["HistoryADelegate"];
        }

        return actor is "system" or "bootstrap" or "setup-command" ? text["HistorySystem"] : actor;
    }

    /// <summary>The line's details, worded from its action.</summary>
    public string Summary(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var s = entry.Summary;
        Match m;
        switch (entry.Action)
        {
            case "meeting.scheduled" when (m = ScheduledShape().Match(s)).Success:
                return $"{m.Groups["title"].Value} ({Kind(m.Groups["kind"].Value)}, {Format("SiteCount", int.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture))}, {LocalTime(m.Groups["at"].Value)})";
            case "meeting.updated":
                return Changes(s);
            case "meeting.roll-call" when (m = RollOneShape().Match(s)).Success:
                return $"{siteName(m.Groups["site"].Value)}: {Attendance(m.Groups["status"].Value)}{(m.Groups["reason"].Success ? " (" + m.Groups["reason"].Value + ")" : "")}";
            case "meeting.roll-call" when (m = RollManyShape().Match(s)).Success:
                var counts = string.Join(", ", m.Groups["counts"].Value.Split(", ").Select(c => c.Split(' ', 2) is [var n, var status] ? $"{Attendance(status)} {n}" : c));
                var sites = string.Join(", ", m.Groups["sites"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(c => c == "…" ? c : siteName(c)));
                return $"{counts}: {sites}";
            case "meeting.floor" when (m = HostFloorShape().Match(s)).Success:
                return Format("HistoryFloorHost", siteName(m.Groups["site"].Value));
            case "meeting.floor":
                return siteName(s);
            case "vote.created" when (m = VoteCreatedShape().Match(s)).Success:
                return $"{text[m.Groups["kind"].Value == "secret" ? "RoomVoteSecret" : "RoomVoteOpenKind"]}: {m.Groups["q"].Value}";
            case "vote.closed" when (m = VoteClosedShape().Match(s)).Success:
                return $"{m.Groups["q"].Value}: {text["VoteAgree"]} {m.Groups["a"].Value} · {text["VoteDisagree"]} {m.Groups["d"].Value} · {text["VoteAbstain"]} {m.Groups["x"].Value} · {text["RoomNotVoted"]} {m.Groups["n"].Value} / {m.Groups["e"].Value}";
            case "delegate.signed-in" when (m = SignedInShape().Match(s)).Success:
                return Format("HistorySignedIn", m.Groups["name"].Value, text[m.Groups["via"].Value == "invitation" ? "HistoryViaInvitation" : "HistoryViaRoomCode"],
                    m.Groups["ua"].Value == "unknown" ? text["HistoryUnknownDevice"] : DeviceName(m.Groups["ua"].Value));
            case "delegate.signed-out" when (m = SignedOutShape().Match(s)).Success:
                return Format("HistorySignedOut", Delegate(m.Groups["id"].Value), m.Groups["n"].Value);
            case "delegate.pin-reissued" when (m = PinShape().Match(s)).Success:
                return Format("HistoryPinReissued", Delegate(m.Groups["id"].Value), m.Groups["g"].Value);
            case "site.imported" when (m = ImportedShape().Match(s)).Success:
                return Format("HistorySitesImported", m.Groups["c"].Value, m.Groups["u"].Value, m.Groups["n"].Value);
            case "meeting.readiness-run" when (m = ReadinessShape().Match(s)).Success:
                return Format("HistoryReadinessRun", m.Groups["e"].Value, m.Groups["s"].Value);
            case "document.uploaded" or "document.version" when (m = DocumentShape().Match(s)).Success:
                return $"{m.Groups["head"].Value} ({m.Groups["file"].Value}, {Format("HistoryPages", m.Groups["p"].Value)}{(m.Groups["secret"].Success ? ", " + text["HistoryConfidential"] : "")})";
            default:
                return s;
        }
    }

    /// <summary>An alarm's message in the interface's language, from its kind and the message the rules wrote.</summary>
    public string Alarm(string kind, string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Match m;
        return kind switch
        {
            Monitoring.AlarmKinds.EndpointOffline when (m = UriReasonShape().Match(message)).Success => Format("AlarmTextOffline", m.Groups["uri"].Value),
            Monitoring.AlarmKinds.RegistrationLost when (m = UriReasonShape().Match(message)).Success => Format("AlarmTextRegistrationLost", m.Groups["uri"].Value),
            Monitoring.AlarmKinds.CallLoss when (m = LossShape().Match(message)).Success => Format("AlarmTextLoss", Number(m.Groups["loss"].Value),
                Number(m.Groups["in"].Value), m.Groups["out"].Success ? Number(m.Groups["out"].Value) + " %" : text["AlarmTextNotReported"].Value),
            Monitoring.AlarmKinds.NoMedia => text["AlarmTextNoMedia"].Value,
            Monitoring.AlarmKinds.CallDropped when (m = DroppedShape().Match(message)).Success => Format("AlarmTextDropped", siteName(m.Groups["site"].Value)),
            Monitoring.AlarmKinds.EndpointAddedDuringMeeting when (m = AddedShape().Match(message)).Success => Format("AlarmTextAdded", m.Groups["uri"].Value,
                siteName(m.Groups["site"].Value), text[m.Groups["state"].Value == "live" ? "StatusLive" : "StatusPreparing"].Value.ToLower(CultureInfo.CurrentCulture)),
            _ => message,
        };
    }

    /// <summary>
    /// A user agent as a device name ("iPhone · Safari", "Android · Chrome", "Windows · Edge"): what
    /// a secretariat needs to tell a delegate's two phones apart, without the version soup. Written
    /// here, not taken from a user-agent library: only the platform and the browser family are wanted.
    /// </summary>
    public static string DeviceName(string userAgent)
    {
        ArgumentNullException.ThrowIfNull(userAgent);
        bool Has(string part) => userAgent.Contains(part, StringComparison.OrdinalIgnoreCase);
        var platform = Has("iPhone") ? "iPhone" : Has("iPad") ? "iPad" : Has("Android") ? "Android" : Has("Windows") ? "Windows"
            : Has("Macintosh") || Has("Mac OS") ? "Mac" : Has("CrOS") ? "ChromeOS" : Has("Linux") ? "Linux" : null;
        var browser = Has("Zalo") ? "Zalo" : Has("FBAN") || Has("FBAV") ? "Facebook" : Has("Edg/") || Has("EdgA/") || Has("EdgiOS/") ? "Edge"
            : Has("OPR/") ? "Opera" : Has("CocCoc") || Has("coc_coc") ? "Cốc Cốc" : Has("SamsungBrowser") ? "Samsung Internet"
            : Has("Firefox/") || Has("FxiOS/") ? "Firefox" : Has("CriOS/") || Has("Chrome/") || Has("Chromium/") ? "Chrome"
            : Has("Safari/") ? "Safari" : null;
        return (platform, browser) switch
        {
            (null, null) => userAgent.Length > 40 ? userAgent[..40] + "…" : userAgent,
            (null, { } b) => b,
            ({ } p, null) => p,
            var (p, b) => $"{p} · {b}",
        };
    }

    /// <summary>An edit's "what changed" line, part by part; parts of unknown shape stay as written.</summary>
    private string Changes(string summary)
    {
        var colon = summary.LastIndexOf(": ", StringComparison.Ordinal);
        if (colon < 0)
        {
            return summary;
        }

        var title = summary[..colon];
        var rest = summary[(colon + 2)..];
        if (rest == "no change")
        {
            return $"{title}: {text["HistoryNoChange"]}";
        }

        var parts = rest.Split("; ").Select(part =>
        {
            Match m;
            return part switch
            {
                "description" => text["HistoryDescription"].Value,
                "delegates may confirm with their phone's last four digits" => text["HistoryPhoneDigitsOn"].Value,
                "delegates confirm with their PIN only" => text["HistoryPhoneDigitsOff"].Value,
                _ when (m = ArrowShape().Match(part)).Success => Arrow(m.Groups["what"].Value, m.Groups["from"].Value, m.Groups["to"].Value) ?? part,
                _ when (m = SitesChangeShape().Match(part)).Success => Format("HistorySitesChange", m.Groups["a"].Value, m.Groups["r"].Value, m.Groups["n"].Value),
                _ when (m = TitleWasShape().Match(part)).Success => Format("HistoryTitleWas", m.Groups["t"].Value),
                _ => part,
            };
        });
        return $"{title}: {string.Join("; ", parts)}";
    }

    private string? Arrow(string what, string from, string to) => what switch
    {
        "kind" => $"{text["Kind"]} {Kind(from)} → {Kind(to)}",
        "host" => $"{text["Host"]} {siteName(from)} → {siteName(to)}",
        "time" => $"{text["When"]} {from} → {to}",
        "delegates" => Format("HistoryDelegatesChange", from, to),
        "agenda" => Format("HistoryAgendaChange", from, to.Replace(" items", "", StringComparison.Ordinal)),
        "central feed" => Format("HistoryFeedChange", from == "dial-in" ? text["HistoryDialIn"] : from, to == "dial-in" ? text["HistoryDialIn"] : to),
        _ => null,
    };

    private string Delegate(string id) => Guid.TryParse(id, out var guid) ? delegateName(guid) ?? text["HistoryADelegate"] : id;

    private string Kind(string kind) => text["Kind" + kind] is { ResourceNotFound: false } k ? k : kind;

    private string Attendance(string status) => text["Attendance" + status] is { ResourceNotFound: false } a ? a : status;

    private string Format(string key, params object[] values) => string.Format(CultureInfo.CurrentCulture, text[key], values);

    private static string Number(string invariant) =>
        double.TryParse(invariant, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v.ToString("0.#", CultureInfo.CurrentCulture) : invariant;

    private static string LocalTime(string iso) =>
        DateTimeOffset.TryParse(iso, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at) ? Display.LocalDateTime(at.ToUniversalTime()) : iso;

    [GeneratedRegex(@"^(?<title>.*) \((?<kind>\w+), (?<n>\d+) sites, (?<at>[^)]+)\)$", RegexOptions.Singleline)]
    private static partial Regex ScheduledShape();

    [GeneratedRegex(@"^(?<site>[^:\s]+): (?<status>Present|Late|Absent)(?: \((?<reason>.*)\))?$", RegexOptions.Singleline)]
    private static partial Regex RollOneShape();

    [GeneratedRegex(@"^(?<counts>\d+ (?:Present|Late|Absent)(?:, \d+ (?:Present|Late|Absent))*): (?<sites>.*)$")]
    private static partial Regex RollManyShape();

    [GeneratedRegex(@"^(?<site>\S+) \(host\)$")]
    private static partial Regex HostFloorShape();

    [GeneratedRegex(@"^(?<kind>secret|open): (?<q>.*)$", RegexOptions.Singleline)]
    private static partial Regex VoteCreatedShape();

    [GeneratedRegex(@"^(?<q>.*): agree (?<a>\d+), disagree (?<d>\d+), abstain (?<x>\d+), not voted (?<n>\d+) of (?<e>\d+)$", RegexOptions.Singleline)]
    private static partial Regex VoteClosedShape();

    [GeneratedRegex(@"^(?<name>.*) by (?<via>invitation|room-code) on (?<ua>.*)$", RegexOptions.Singleline)]
    private static partial Regex SignedInShape();

    [GeneratedRegex(@"^delegate (?<id>[0-9a-fA-F-]{36}): (?<n>\d+) device\(s\)$")]
    private static partial Regex SignedOutShape();

    [GeneratedRegex(@"^delegate (?<id>[0-9a-fA-F-]{36}): PIN and invitation generation (?<g>\d+)$")]
    private static partial Regex PinShape();

    [GeneratedRegex(@"^(?<c>\d+) created, (?<u>\d+) updated, (?<n>\d+) unchanged$")]
    private static partial Regex ImportedShape();

    [GeneratedRegex(@"^(?<site>[^:\s]+): out of the live meeting's call")]
    private static partial Regex DroppedShape();

    [GeneratedRegex(@"^test calls to (?<e>\d+) endpoints at (?<s>\d+) sites$")]
    private static partial Regex ReadinessShape();

    [GeneratedRegex(@"^(?<head>.*) \((?<file>[^,()]+), (?<p>\d+) pages, sha256 [0-9a-f]+…\)(?<secret>, confidential)?(?: for meeting [0-9a-fA-F-]{36})?$", RegexOptions.Singleline)]
    private static partial Regex DocumentShape();

    [GeneratedRegex(@"^(?<what>kind|host|time|delegates|agenda|central feed) (?<from>.+?) → (?<to>.+)$")]
    private static partial Regex ArrowShape();

    [GeneratedRegex(@"^sites \+(?<a>\d+) −(?<r>\d+) \(now (?<n>\d+)\)")]
    private static partial Regex SitesChangeShape();

    [GeneratedRegex(@"^title was '(?<t>.*)'$", RegexOptions.Singleline)]
    private static partial Regex TitleWasShape();

    [GeneratedRegex(@"^(?<uri>\S+): ")]
    private static partial Regex UriReasonShape();

    [GeneratedRegex(@"^loss (?<loss>[\d.]+) % \(from the site (?<in>[\d.]+) %, to the site (?:(?<out>[\d.]+) %|not reported)\)$")]
    private static partial Regex LossShape();

    [GeneratedRegex(@"^(?<uri>\S+): added to (?<site>\S+) while the meeting is (?<state>live|preparing);")]
    private static partial Regex AddedShape();
}
