using Microsoft.Extensions.Localization;

namespace Conferencing.Server.Components.Shared;

/// <summary>Audit actions ("meeting.started") as the pages name them ("Bắt đầu hội nghị").</summary>
public static class AuditText
{
    /// <summary>Actions the audit page offers as a filter, grouped by what they act on.</summary>
    public static IReadOnlyList<string> KnownActions { get; } =
    [
        "meeting.scheduled", "meeting.updated", "meeting.preparing", "meeting.started", "meeting.ended", "meeting.cancelled",
        "meeting.roll-call", "meeting.floor",
        "site.created", "site.updated", "site.deleted", "site.imported",
        "endpoint.created", "endpoint.updated", "endpoint.deleted",
        "user.created", "user.updated", "user.password-set",
        "alarm.acknowledged",
    ];

    /// <summary>The label as a table cell or menu item shows it, with a capital.</summary>
    public static string ActionTitle(string action, IStringLocalizer<Ui> text)
    {
        var label = ActionLabel(action, text);
        return label.Length == 0 ? label : char.ToUpper(label[0], System.Globalization.CultureInfo.CurrentCulture) + label[1..];
    }

    /// <summary>The localized label, lower case to follow a name ("boss bắt đầu hội nghị"), or the action itself for one the pages do not know yet.</summary>
    public static string ActionLabel(string action, IStringLocalizer<Ui> text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var label = text["Audit_" + action];
        return label.ResourceNotFound ? action : label.Value;
    }
}
