using System.Globalization;
using System.Text.RegularExpressions;
using Conferencing.Server.Common;
using Microsoft.Extensions.Localization;

namespace Conferencing.Server.Components.Shared;

/// <summary>
/// Words a refused command for the person at the page. The domain speaks English for operators and
/// logs, with a stable code and the field at fault; the pages speak the reader's language, so they
/// word the message from the code and the field. An English reader gets the domain's own message,
/// which is the most precise one.
/// </summary>
public static partial class UiErrors
{
    public static string Describe(DomainException exception, IStringLocalizer<Ui> text)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(text);
        if (CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "en")
        {
            return exception.Message;
        }

        return exception.Code switch
        {
            "validation" => exception.Field is { } field ? DescribeField(field, text) : text["ErrorInvalid"],
            "meeting.version-conflict" => text["ErrorVersionConflict"],
            "meeting.illegal-transition" => string.Format(CultureInfo.CurrentCulture, text["ErrorIllegalTransition"],
                exception.Details.TryGetValue("meetingStatus", out var status) ? text["Status" + status] : "?"),
            "meeting.not-live" => text["ErrorNotLive"],
            "meeting.endpoint-conflict" => text["ErrorEndpointConflict"],
            "floor.site-held-out" => text["ErrorFloorHeldOut"],
            "floor.site-dropped" => text["ErrorFloorDropped"],
            "floor.site-not-in-call" => text["ErrorFloorNotInCall"],
            _ when exception.Kind == DomainErrorKind.NotFound => text["ErrorNotFound"],
            _ => text["ErrorInvalid"],
        };
    }

    /// <summary>"delegates[3].phone" becomes "Đại biểu thứ 4: số điện thoại không hợp lệ."</summary>
    public static string DescribeField(string field, IStringLocalizer<Ui> text)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(text);
        var match = IndexedField().Match(field);
        if (match.Success)
        {
            var number = int.Parse(match.Groups["index"].Value, CultureInfo.InvariantCulture) + 1;
            var owner = string.Format(CultureInfo.CurrentCulture, text["ErrorItem_" + match.Groups["list"].Value], number);
            var leaf = match.Groups["leaf"].Success ? match.Groups["leaf"].Value : match.Groups["list"].Value;
            return $"{owner}: {Field(leaf, text)}";
        }

        return Field(field.Split('.')[0], text);
    }

    private static string Field(string name, IStringLocalizer<Ui> text)
    {
        var message = text["ErrorField_" + name];
        return message.ResourceNotFound ? text["ErrorInvalid"] : message;
    }

    [GeneratedRegex(@"^(?<list>[a-zA-Z]+)\[(?<index>\d+)\](?:\.(?<leaf>[a-zA-Z]+))?")]
    private static partial Regex IndexedField();
}
