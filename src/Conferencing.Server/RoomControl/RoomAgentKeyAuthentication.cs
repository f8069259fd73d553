using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.RoomControl;

/// <summary>
/// Authenticates a room agent by its key, sent as a bearer token (or, where a transport cannot carry
/// headers, as SignalR's access_token query parameter on the agent hub only). A revoked or unknown key
/// gets a plain 401, which the agent reads as "ask an administrator for a new key".
/// </summary>
public sealed class RoomAgentKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, RoomAgentStore agents)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "RoomAgentKey";
    public const string AgentIdClaim = "room-agent";
    public const string SiteClaim = "room-agent-site";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? key = null;
        var header = Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            key = header["Bearer ".Length..].Trim();
        }
        else if (Request.Path.StartsWithSegments(Devices.Agent.RoomAgentHubRoute.Path, StringComparison.Ordinal))
        {
            key = Request.Query["access_token"];
        }

        if (string.IsNullOrEmpty(key))
        {
            return AuthenticateResult.NoResult();
        }

        if (await agents.AuthenticateAsync(key, Context.RequestAborted).ConfigureAwait(false) is not { } agent)
        {
            return AuthenticateResult.Fail("unknown or revoked room agent key");
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, "agent:" + agent.Name), new Claim(AgentIdClaim, agent.Id.ToString()), new Claim(SiteClaim, agent.SiteCode)],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}
