using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.Accounts;

/// <summary>
/// Composition of staff accounts: session checks for cookies, circuits and hubs, the login
/// throttle, and site scopes. Kept apart from <see cref="Hosting.ServerSetup"/>, which calls it once.
/// </summary>
public static partial class AccountsSetup
{
    public static IServiceCollection AddAccounts(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<StaffSessionOptions>().BindConfiguration(StaffSessionOptions.Section)
            .Validate(o => o.RevalidateInterval > TimeSpan.Zero && o.RevalidateInterval <= StaffSessionOptions.MaxRevalidateInterval,
                "Sessions:RevalidateInterval must be more than zero and at most 00:00:30.")
            .Validate(o => o.AbsoluteLifetime > TimeSpan.Zero && o.IdleTimeout > TimeSpan.Zero && o.IdleTimeout <= o.AbsoluteLifetime,
                "Sessions:AbsoluteLifetime and Sessions:IdleTimeout must be positive, the idle timeout no longer than the absolute lifetime.")
            .ValidateOnStart();
        services.AddOptions<LoginThrottleOptions>().BindConfiguration(LoginThrottleOptions.Section)
            .Validate(o => o.MaxFailuresPerAccount > 0 && o.MaxFailuresPerAddress > 0, "LoginThrottle:MaxFailuresPerAccount and MaxFailuresPerAddress must be at least 1.")
            .Validate(o => o.LockoutDuration > TimeSpan.Zero && o.Window > TimeSpan.Zero, "LoginThrottle:LockoutDuration and Window must be positive.")
            .ValidateOnStart();
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<StaffSessions>();
        services.AddSingleton<StaffHubSessions>();
        services.AddHostedService(sp => sp.GetRequiredService<StaffHubSessions>());
        services.AddScoped<AuthenticationStateProvider, StaffAuthenticationStateProvider>();
        services.AddSingleton<StaffScopes>();

        // Only on the project's own hubs: Blazor's circuit hub is revalidated by the state provider,
        // and aborting it would show the reconnect banner instead of the login page.
        services.AddSignalR()
            .AddHubOptions<Monitoring.MonitoringHub>(o => o.AddFilter<StaffHubSessions>())
            .AddHubOptions<Room.RoomHub>(o => o.AddFilter<StaffHubSessions>());

        services.AddSingleton<IPostConfigureOptions<CookieAuthenticationOptions>, StaffCookieSetup>();
        return services;
    }

    /// <summary>Session lifetimes and the per-request check, on the staff cookie only.</summary>
    private sealed partial class StaffCookieSetup(IOptions<StaffSessionOptions> sessions) : IPostConfigureOptions<CookieAuthenticationOptions>
    {
        public void PostConfigure(string? name, CookieAuthenticationOptions options)
        {
            if (!string.Equals(name, CookieAuthenticationDefaults.AuthenticationScheme, StringComparison.Ordinal))
            {
                return;
            }

            options.ExpireTimeSpan = sessions.Value.IdleTimeout;
            options.SlidingExpiration = true;

            // A hub client negotiating without a valid session gets 401, not the login page's HTML.
            var redirect = options.Events.OnRedirectToLogin;
            options.Events.OnRedirectToLogin = context =>
            {
                if (context.Request.Path.StartsWithSegments("/hubs", StringComparison.OrdinalIgnoreCase))
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return Task.CompletedTask;
                }

                return redirect(context);
            };
            var before = options.Events.OnValidatePrincipal;
            options.Events.OnValidatePrincipal = async context =>
            {
                await before(context).ConfigureAwait(false);
                if (context.Principal is null)
                {
                    return;
                }

                var http = context.HttpContext;
                var staff = http.RequestServices.GetRequiredService<StaffSessions>();
                if (!await staff.IsCurrentAsync(context.Principal, fresh: false, http.RequestAborted).ConfigureAwait(false))
                {
                    Log.SessionRejected(http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AccountsSetup)), context.Principal.Identity?.Name ?? "?");
                    context.RejectPrincipal();
                    await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
                }
            };
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 13000, Level = LogLevel.Information, Message = "Staff session of {User} refused: revoked, disabled or past its absolute lifetime")]
        public static partial void SessionRejected(ILogger logger, string user);
    }
}
