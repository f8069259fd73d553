using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;

namespace Conferencing.Server.Accounts;

/// <summary>
/// The circuit's user, checked against the store every <see cref="StaffSessionOptions.RevalidateInterval"/>:
/// a circuit outlives its cookie check, so a revoked or expired staff session turns anonymous here and
/// the router sends the page to the login page.
/// </summary>
public sealed class StaffAuthenticationStateProvider(ILoggerFactory loggerFactory, StaffSessions sessions)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    protected override TimeSpan RevalidationInterval => sessions.RevalidateInterval;

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(authenticationState);
        return await sessions.IsCurrentAsync(authenticationState.User, fresh: true, cancellationToken).ConfigureAwait(false);
    }
}
