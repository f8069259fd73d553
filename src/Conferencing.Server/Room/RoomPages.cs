using Conferencing.Server.Accounts;
using Conferencing.Server.Common;
using Conferencing.Server.Hosting;
using Conferencing.Server.Meetings;
using Conferencing.Server.Room.Pages;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.Room;

/// <summary>
/// The light pages of the room: the confirmation page a QR code opens, the delegate's app, the room
/// display, and the printable invitations. Server-rendered HTML with one small script each, no
/// Blazor circuit: they must load fast on a cheap phone over a weak link and run all day on a TV.
/// </summary>
public static partial class RoomPages
{
    public static void MapRoomPages(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/j/{code}", JoinAsync).AllowAnonymous().ExcludeFromDescription();
        routes.MapPost("/j", ConfirmAsync).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
        routes.MapGet("/room/welcome", () => Notice(StatusCodes.Status200OK, "RoomScanToJoin", null)).AllowAnonymous().ExcludeFromDescription();
        routes.MapGet("/room/no-display", () => Notice(StatusCodes.Status200OK, "RoomNoDisplayLink", null)).AllowAnonymous().ExcludeFromDescription();
        routes.MapGet("/d", (HttpContext http) => Locked(http, Page<DelegatePage>(null))).RequireAuthorization(RoomAuth.DelegatePolicy).ExcludeFromDescription();
        routes.MapGet("/display/link/{token}", DisplaySignInAsync).AllowAnonymous().ExcludeFromDescription();
        routes.MapGet("/display", (HttpContext http) => Locked(http, Page<DisplayPage>(null))).RequireAuthorization(RoomAuth.DisplayPolicy).ExcludeFromDescription();
        routes.MapGet("/meetings/{meetingId:guid}/invitations", InvitationsAsync).RequireAuthorization(StaffRoles.Policies.Secretariat)
            .RequireMeetingScope(alwaysChange: true).ExcludeFromDescription();
        routes.MapPost("/meetings/{meetingId:guid}/invitations/{delegateId:guid}/reissue", ReissueAsync).RequireAuthorization(StaffRoles.Policies.Secretariat)
            .RequireMeetingScope().DisableAntiforgery().ExcludeFromDescription();
        ClientLibraries.Map(routes);
    }

    /// <summary>
    /// The address phones reach: the configured one, else (Development only: outside it the server
    /// refuses to start without <c>Room:PublicBaseUrl</c>) the request's own.
    /// </summary>
    public static string BaseUrl(RoomOptions options, HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(http);
        return options.PublicBaseUrl is { Length: > 0 } configured ? configured.TrimEnd('/') : $"{http.Request.Scheme}://{http.Request.Host}";
    }

    public static string JoinUrl(RoomOptions options, HttpContext http, string code) => BaseUrl(options, http) + "/j/" + code;

    internal static Task ApiOrRedirect(RedirectContext<CookieAuthenticationOptions> context, string detail)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments("/d/api", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/display/api", StringComparison.OrdinalIgnoreCase)
            || path.StartsWithSegments("/hubs", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            var problems = context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
            return problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context.HttpContext,
                ProblemDetails = { Status = 401, Title = "Not signed in", Detail = detail, Extensions = { ["code"] = "room.not-signed-in" } },
            }).AsTask();
        }

        // Never send a delegate or a TV to the staff login.
        context.Response.Redirect(context.Options.LoginPath);
        return Task.CompletedTask;
    }

    /// <summary>The cookie that keeps the ticket a device was given, so opening the room code again hands it back.</summary>
    internal const string TicketCookie = "conferencing.ticket";

    private static async Task<IResult> JoinAsync(DelegateAccess access, IAntiforgery antiforgery, HttpContext http, string code, CancellationToken cancellationToken)
    {
        NoStore(http);
        try
        {
            var offer = await access.OpenAsync(code, http.Request.Cookies[TicketCookie], http.Connection.RemoteIpAddress?.ToString(), cancellationToken).ConfigureAwait(false);
            if (offer.Delegate is null)
            {
                http.Response.Cookies.Append(TicketCookie, offer.Ticket, new CookieOptions
                {
                    Path = "/j",
                    HttpOnly = true,
                    SameSite = SameSiteMode.Lax,
                    Secure = http.Request.IsHttps,
                    Expires = offer.TicketExpiresUtc,
                    IsEssential = true,
                });
            }

            return Locked(http, JoinForm(http, antiforgery, offer, null, null, StatusCodes.Status200OK));
        }
        catch (DomainException e)
        {
            return Refusal(e);
        }
    }

    private static async Task<IResult> ConfirmAsync(DelegateAccess access, IAntiforgery antiforgery, HttpContext http, CancellationToken cancellationToken)
    {
        NoStore(http);
        if (!http.Request.HasFormContentType)
        {
            return Notice(StatusCodes.Status400BadRequest, "RoomBadForm", null);
        }

        IFormCollection form;
        try
        {
            form = await http.Request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            return Notice(StatusCodes.Status400BadRequest, "RoomBadForm", "request.bad-form");
        }

        if (!await antiforgery.IsRequestValidAsync(http).ConfigureAwait(false))
        {
            return Notice(StatusCodes.Status400BadRequest, "RoomBadForm", null);
        }

        var ticket = form["t"].ToString();
        Guid? delegateId = Guid.TryParse(form["delegate"].ToString(), out var d) ? d : null;
        var secret = form["secret"].ToString();
        try
        {
            var (session, person, _) = await access.ConfirmAsync(ticket, delegateId, secret, http.Request.Headers.UserAgent.ToString(), cancellationToken).ConfigureAwait(false);
            await http.SignInAsync(RoomAuth.DelegateScheme, DelegateAccess.Principal(session, person),
                new AuthenticationProperties { IsPersistent = true, ExpiresUtc = session.ExpiresUtc, AllowRefresh = false }).ConfigureAwait(false);
            // 303 to a clean address: the ticket leaves the address bar and the history.
            return new SeeOther("/d");
        }
        catch (DomainException e) when (e.Kind == DomainErrorKind.Invalid || e.Code == "delegate.paused")
        {
            // Wrong name or PIN: the same page again, with the same ticket (it is not spent).
            try
            {
                var offer = await access.ReofferAsync(ticket, cancellationToken).ConfigureAwait(false);
                var message = e.Code == "delegate.paused" ? "RoomSlowDown" : e.Field == "delegate" ? "RoomChooseDelegate" : offer.Meeting.PhoneDigitsProof ? "RoomWrongSecret" : "RoomWrongPin";
                return JoinForm(http, antiforgery, offer, delegateId, message,
                    e.Code == "delegate.paused" ? StatusCodes.Status429TooManyRequests : StatusCodes.Status400BadRequest);
            }
            catch (DomainException again)
            {
                return Refusal(again);
            }
        }
        catch (DomainException e)
        {
            return Refusal(e);
        }
    }

    private static IResult JoinForm(HttpContext http, IAntiforgery antiforgery, JoinOffer offer, Guid? selected, string? error, int status)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        return Page<JoinPage>(new Dictionary<string, object?>
        {
            [nameof(JoinPage.Offer)] = offer,
            [nameof(JoinPage.AntiforgeryField)] = tokens.FormFieldName,
            [nameof(JoinPage.AntiforgeryValue)] = tokens.RequestToken,
            [nameof(JoinPage.Selected)] = selected,
            [nameof(JoinPage.Error)] = error,
        }, status);
    }

    private static async Task<IResult> DisplaySignInAsync(DisplayLinks links, Sites.SiteStore sites, HttpContext http, string token, CancellationToken cancellationToken)
    {
        NoStore(http);
        if (await links.FindAsync(token, cancellationToken).ConfigureAwait(false) is not { } link)
        {
            return Notice(StatusCodes.Status404NotFound, "RoomDisplayLinkInvalid", null);
        }

        var name = (await sites.LoadTreeAsync(cancellationToken).ConfigureAwait(false)).TryGet(link.SiteCode, out var site) ? site.Name : link.SiteCode;
        await http.SignInAsync(RoomAuth.DisplayScheme, DisplayLinks.Principal(link, name), new AuthenticationProperties { IsPersistent = true }).ConfigureAwait(false);
        return new SeeOther("/display");
    }

    private static async Task<IResult> InvitationsAsync(MeetingService meetings, DelegateAccess access, IAntiforgery antiforgery, IOptions<RoomOptions> options, Sites.SiteStore sites, HttpContext http, Guid meetingId, CancellationToken cancellationToken)
    {
        NoStore(http);
        if (await meetings.GetAsync(meetingId, cancellationToken).ConfigureAwait(false) is not { } meeting)
        {
            return Notice(StatusCodes.Status404NotFound, "RoomMeetingNotFound", null);
        }

        var tree = await sites.LoadTreeAsync(cancellationToken).ConfigureAwait(false);
        var cards = new List<InvitationCard>(meeting.Delegates.Count);
        foreach (var person in meeting.Delegates)
        {
            var (token, pin) = await access.InvitationAsync(meeting, person, cancellationToken).ConfigureAwait(false);
            var url = JoinUrl(options.Value, http, token);
            cards.Add(new InvitationCard(person, tree.TryGet(person.SiteCode, out var s) ? s.Name : person.SiteCode, url, pin, QrCodes.Svg(url)));
        }

        var tokens = antiforgery.GetAndStoreTokens(http);
        return Page<InvitationsPage>(new Dictionary<string, object?>
        {
            [nameof(InvitationsPage.Meeting)] = meeting,
            [nameof(InvitationsPage.Cards)] = cards,
            [nameof(InvitationsPage.AntiforgeryField)] = tokens.FormFieldName,
            [nameof(InvitationsPage.AntiforgeryValue)] = tokens.RequestToken,
        });
    }

    /// <summary>The invitations page's "new PIN" button: reissues, then shows the page again at that delegate's card.</summary>
    private static async Task<IResult> ReissueAsync(MeetingService meetings, DelegateAccess access, IAntiforgery antiforgery, HttpContext http, Guid meetingId, Guid delegateId, CancellationToken cancellationToken)
    {
        NoStore(http);
        if (!http.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(http).ConfigureAwait(false))
        {
            return Notice(StatusCodes.Status400BadRequest, "RoomBadForm", null);
        }

        if (await meetings.GetAsync(meetingId, cancellationToken).ConfigureAwait(false) is not { } meeting || meeting.Delegates.FirstOrDefault(d => d.Id == delegateId) is not { } person)
        {
            return Notice(StatusCodes.Status404NotFound, "RoomMeetingNotFound", null);
        }

        await access.ReissueAsync(meeting, person, http.Actor(), cancellationToken).ConfigureAwait(false);
        return new SeeOther($"/meetings/{meetingId}/invitations#d-{delegateId}");
    }

    private static IResult Refusal(DomainException e) => e.Code switch
    {
        "token.expired" => Notice(StatusCodes.Status410Gone, "RoomCodeExpired", e.Code),
        "token.used" => Notice(StatusCodes.Status410Gone, "RoomCodeUsed", e.Code),
        "meeting.over" => Notice(StatusCodes.Status410Gone, "RoomMeetingOver", e.Code),
        "token.delegate-removed" => Notice(StatusCodes.Status410Gone, "RoomDelegateRemoved", e.Code),
        "token.exhausted" => Notice(StatusCodes.Status410Gone, "RoomTicketExhausted", e.Code),
        "token.reissued" => Notice(StatusCodes.Status410Gone, "RoomInvitationReplaced", e.Code),
        "join.too-many" => Notice(StatusCodes.Status429TooManyRequests, "RoomTooManyScans", e.Code),
        _ => Notice(StatusCodes.Status400BadRequest, "RoomCodeInvalid", e.Code),
    };

    private static IResult Notice(int status, string messageKey, string? code) =>
        Page<NoticePage>(new Dictionary<string, object?> { [nameof(NoticePage.MessageKey)] = messageKey, [nameof(NoticePage.Code)] = code }, status);

    private static IResult Page<T>(IDictionary<string, object?>? parameters, int status = StatusCodes.Status200OK)
        where T : Microsoft.AspNetCore.Components.IComponent =>
        new RazorComponentResult<T>(parameters ?? new Dictionary<string, object?>()) { StatusCode = status };

    /// <summary>
    /// The room's pages run only their own scripts and talk only to this server: a content security
    /// policy that also keeps them out of other sites' frames.
    /// </summary>
    private static IResult Locked(HttpContext http, IResult page)
    {
        http.Response.Headers.ContentSecurityPolicy =
            "default-src 'self'; script-src 'self'; worker-src 'self' blob:; connect-src 'self'; img-src 'self' data: blob:; " +
            "style-src 'self' 'unsafe-inline'; font-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        return page;
    }

    private static void NoStore(HttpContext http)
    {
        http.Response.Headers.CacheControl = "no-store";
        // Links in these pages must not tell the next site which code was scanned.
        http.Response.Headers["Referrer-Policy"] = "no-referrer";
    }

    /// <summary>A 303 See Other: after a POST the browser follows with a GET.</summary>
    private sealed class SeeOther(string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            httpContext.Response.Headers.Location = location;
            return Task.CompletedTask;
        }
    }
}

/// <summary>One printed invitation.</summary>
public sealed record InvitationCard(MeetingDelegate Delegate, string SiteName, string Url, string Pin, string QrSvg);
