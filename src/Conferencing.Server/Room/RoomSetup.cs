using Conferencing.Server.Documents;
using Conferencing.Server.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Conferencing.Server.Room;

/// <summary>
/// Composition of the paperless room (documents, QR access, delegates, room displays, the room hub,
/// speaking and voting), kept apart from <see cref="Hosting.ServerSetup"/> so that file only gains
/// two calls.
/// </summary>
public static class RoomSetup
{
    public static IServiceCollection AddPaperlessRoom(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddDocuments();
        services.AddOptions<RoomOptions>().BindConfiguration(RoomOptions.Section)
            .Check(o => o.Validate() is null, o => o.Validate()!)
            .ValidateOnStart();
        // Vietnamese letters as themselves, not as &#x1EC7; entities: a third of the bytes on a weak link.
        services.Replace(ServiceDescriptor.Singleton(System.Text.Encodings.Web.HtmlEncoder.Create(System.Text.Unicode.UnicodeRanges.All)));
        services.AddSingleton<RoomFeed>();
        services.AddSingleton<RoomKeys>();
        services.AddSingleton<DelegateAccess>();
        services.AddSingleton<PinThrottle>();
        services.AddSingleton<DelegatePins>();
        services.AddSingleton<DisplayLinks>();
        services.AddSingleton<PresenterService>();
        services.AddSingleton<SpeakingService>();
        services.AddSingleton<VotingService>();
        services.AddSingleton<RoomDirectory>();
        services.AddSingleton<MeetingServiceAccessor>();
        services.AddSingleton<RoomDemo>();
        services.AddSingleton(new Meetings.Pages.MeetingPanel(typeof(Chair.LiveRoomPanel), Meetings.Pages.MeetingPanelPlace.Side, 10));
        services.AddHostedService<RoomBroadcaster>();
        services.AddHostedService<RoomLifecycle>();
        services.AddHostedService<DocumentsToRoom>();

        services.AddAuthentication()
            .AddCookie(RoomAuth.DelegateScheme, o =>
            {
                o.Cookie.Name = "conferencing.delegate";
                o.Cookie.HttpOnly = true;
                // Lax: the first visit arrives from a phone's camera app, a cross-site navigation.
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromDays(8);
                o.SlidingExpiration = false;
                o.LoginPath = "/room/welcome";
                o.AccessDeniedPath = "/room/welcome";
                o.Events.OnRedirectToLogin = c => RoomPages.ApiOrRedirect(c, "Scan the room's QR code to sign in as a delegate.");
                o.Events.OnRedirectToAccessDenied = c => RoomPages.ApiOrRedirect(c, "Scan the room's QR code to sign in as a delegate.");
                o.Events.OnValidatePrincipal = async c =>
                {
                    var access = c.HttpContext.RequestServices.GetRequiredService<DelegateAccess>();
                    if (c.Principal.DelegateIdentity().SessionId() is not { } session || !await access.IsActiveAsync(session, c.HttpContext.RequestAborted).ConfigureAwait(false))
                    {
                        c.RejectPrincipal();
                        await c.HttpContext.SignOutAsync(RoomAuth.DelegateScheme).ConfigureAwait(false);
                    }
                };
            })
            .AddCookie(RoomAuth.DisplayScheme, o =>
            {
                o.Cookie.Name = "conferencing.display";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                // A room TV is set up once; the link's revocation, not the cookie's age, ends it.
                o.ExpireTimeSpan = TimeSpan.FromDays(400);
                o.SlidingExpiration = true;
                o.LoginPath = "/room/no-display";
                o.AccessDeniedPath = "/room/no-display";
                o.Events.OnRedirectToLogin = c => RoomPages.ApiOrRedirect(c, "This screen has no display link; open the link the secretariat made for this room.");
                o.Events.OnValidatePrincipal = async c =>
                {
                    var links = c.HttpContext.RequestServices.GetRequiredService<DisplayLinks>();
                    if (c.Principal.DisplayIdentity().DisplayLinkId() is not { } id || !await links.IsActiveAsync(id, c.HttpContext.RequestAborted).ConfigureAwait(false))
                    {
                        c.RejectPrincipal();
                        await c.HttpContext.SignOutAsync(RoomAuth.DisplayScheme).ConfigureAwait(false);
                    }
                };
            });
        services.AddAuthorizationBuilder()
            .AddPolicy(RoomAuth.DelegatePolicy, p => p.AddAuthenticationSchemes(RoomAuth.DelegateScheme).RequireAuthenticatedUser()
                .RequireAssertion(c => c.User.DelegateIdentity() is not null))
            .AddPolicy(RoomAuth.DisplayPolicy, p => p.AddAuthenticationSchemes(RoomAuth.DisplayScheme).RequireAuthenticatedUser()
                .RequireAssertion(c => c.User.DisplayIdentity() is not null))
            .AddPolicy(RoomAuth.RoomPolicy, p => p.AddAuthenticationSchemes(CookieAuthenticationDefaults.AuthenticationScheme, RoomAuth.DelegateScheme, RoomAuth.DisplayScheme)
                .RequireAuthenticatedUser());
        return services;
    }

    public static IEndpointRouteBuilder MapPaperlessRoom(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        routes.MapDocumentApi();
        routes.MapRoomApi();
        routes.MapDelegateApi();
        routes.MapRoomPages();
        routes.MapHub<RoomHub>("/hubs/room");
        return routes;
    }
}
