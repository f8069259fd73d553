using Microsoft.Extensions.Localization;

namespace Conferencing.Server.LiveMeetings.Pages;

/// <summary>A site action's refusal in the reader's words, from its stable code.</summary>
public static class SiteActionText
{
    public static string Refusal(SiteActionResult result, IStringLocalizer<Ui> t)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(t);
        return result.Code switch
        {
            "endpoint.not-in-call" => t["LiveRefusedNotInCall"],
            "site.no-room-system" => t["LiveRefusedNoRoomSystem"],
            "endpoint.not-in-live-meeting" or "meeting.not-live" => t["LiveRefusedNotLive"],
            _ => t["LiveRefusedFailed"],
        };
    }
}
