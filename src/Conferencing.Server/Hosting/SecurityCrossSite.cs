using Conferencing.Server.Room;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.Hosting;

/// <summary>
/// Refuses state-changing requests a browser sends on behalf of another site, beside SameSite on the
/// cookies (which a sibling subdomain, an old browser or a Lax cookie does not stop). A browser says
/// where a request comes from in Sec-Fetch-Site, or failing that in Origin; a request with neither
/// is not from a browser page (curl, the room agent, the .NET SignalR client) and carries no
/// ambient authority worth forging, so it passes. Every unsafe method is checked, signed in or not,
/// so a forged login (signing the victim into the attacker's account) is refused too.
/// </summary>
public sealed partial class CrossSiteRequestMiddleware(RequestDelegate next, IOptions<RoomOptions> room, ILogger<CrossSiteRequestMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method) || HttpMethods.IsOptions(context.Request.Method)
            || HttpMethods.IsTrace(context.Request.Method) || IsSameOrigin(context.Request, room.Value.PublicBaseUrl))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        Log.Refused(logger, context.Request.Method, context.Request.Path, context.Request.Headers.Origin.ToString(), context.Request.Headers["Sec-Fetch-Site"].ToString());
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status403Forbidden,
                Title = "Cross-site request refused",
                Detail = "This request came from another site's page; changes are accepted only from this server's own pages.",
                Extensions = { ["code"] = "request.cross-site" },
            },
        }).ConfigureAwait(false);
    }

    /// <summary>True when the request is not from another site's page.</summary>
    public static bool IsSameOrigin(HttpRequest request, string? publicBaseUrl)
    {
        ArgumentNullException.ThrowIfNull(request);
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0)
        {
            // "none" is the user's own action (typed address, bookmark); "same-site" is a sibling
            // host, which is another application here.
            return site is "same-origin" or "none";
        }

        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            return true;
        }

        if (!Uri.TryCreate(origin, UriKind.Absolute, out var from))
        {
            // "null" (a sandboxed frame, a file: page, a redirect across sites) is never our page.
            return false;
        }

        if (SameOrigin(from, request.Scheme, request.Host.Value))
        {
            return true;
        }

        // Behind a proxy that does not pass the host on, our pages' origin is the public address.
        return publicBaseUrl is { Length: > 0 } && Uri.TryCreate(publicBaseUrl, UriKind.Absolute, out var configured)
            && SameOrigin(from, configured.Scheme, configured.Authority);
    }

    private static bool SameOrigin(Uri from, string scheme, string? authority)
    {
        if (authority is null || !Uri.TryCreate(scheme + "://" + authority, UriKind.Absolute, out var own))
        {
            return false;
        }

        return string.Equals(from.Scheme, own.Scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(from.Host, own.Host, StringComparison.OrdinalIgnoreCase) && from.Port == own.Port;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 13101, Level = LogLevel.Warning, Message = "Refused a cross-site {Method} {Path} (Origin {Origin}, Sec-Fetch-Site {FetchSite})")]
        public static partial void Refused(ILogger logger, string method, PathString path, string origin, string fetchSite);
    }
}
