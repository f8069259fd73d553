using System.Security.Claims;

namespace Conferencing.Server.Room;

/// <summary>
/// Who may be in a room besides staff: delegates (a cookie bound to one delegate of one meeting)
/// and room displays (a cookie bound to one site's display link). Each has its own cookie scheme,
/// so neither ever satisfies the staff policies, and the staff cookie never passes for them.
/// </summary>
public static class RoomAuth
{
    public const string DelegateScheme = "Delegate";
    public const string DisplayScheme = "RoomDisplay";

    public const string DelegatePolicy = "room-delegate";
    public const string DisplayPolicy = "room-display";

    /// <summary>Anyone with a place in a room: staff, a delegate or a room display.</summary>
    public const string RoomPolicy = "room-any";

    public const string MeetingClaim = "room_meeting";
    public const string SessionClaim = "room_session";
    public const string SiteClaim = "room_site";
    public const string LinkClaim = "room_display_link";
    public const string UnitClaim = "room_unit";

    /// <summary>
    /// The delegate identity among the caller's identities: a browser may hold a staff and a
    /// delegate cookie at once, and each page asks for the one it is about.
    /// </summary>
    public static ClaimsIdentity? DelegateIdentity(this ClaimsPrincipal? user) => Find(user, DelegateScheme);

    public static ClaimsIdentity? DisplayIdentity(this ClaimsPrincipal? user) => Find(user, DisplayScheme);

    /// <summary>The staff identity (the default cookie scheme), if the caller has one.</summary>
    public static ClaimsIdentity? StaffIdentity(this ClaimsPrincipal? user) =>
        Find(user, Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationDefaults.AuthenticationScheme);

    public static Guid? MeetingId(this ClaimsIdentity? identity) => Guid.TryParse(identity?.FindFirst(MeetingClaim)?.Value, out var g) ? g : null;

    public static Guid? DelegateId(this ClaimsIdentity? identity) => Guid.TryParse(identity?.FindFirst(ClaimTypes.NameIdentifier)?.Value, out var g) ? g : null;

    public static Guid? SessionId(this ClaimsIdentity? identity) => Guid.TryParse(identity?.FindFirst(SessionClaim)?.Value, out var g) ? g : null;

    public static Guid? DisplayLinkId(this ClaimsIdentity? identity) => Guid.TryParse(identity?.FindFirst(LinkClaim)?.Value, out var g) ? g : null;

    public static string? DisplaySite(this ClaimsIdentity? identity) => identity?.FindFirst(SiteClaim)?.Value;

    private static ClaimsIdentity? Find(ClaimsPrincipal? user, string scheme) =>
        user?.Identities.FirstOrDefault(i => i.IsAuthenticated && string.Equals(i.AuthenticationType, scheme, StringComparison.Ordinal));
}
