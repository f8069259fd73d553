namespace Conferencing.Server.Hosting;

/// <summary>
/// Headers every response carries, pages, API, static files and the Blazor console alike. A page
/// that needs a stricter policy (the room's pages, a downloaded original) sets its own first and
/// keeps it: these fill in only what a response left unset.
/// </summary>
public sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    /// <summary>
    /// The console's policy. Blazor Server needs its own script (blazor.web.js, from 'self'), its
    /// WebSocket back to the same origin (connect-src 'self' covers ws: and wss: to it), and inline
    /// style attributes, which the renderer writes; it needs neither eval nor inline script.
    /// </summary>
    public const string DefaultContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; " +
        "font-src 'self' data:; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'";

    /// <summary>For served documents: nothing runs, nothing loads, no plugin (the browser's PDF viewer is one) starts.</summary>
    public const string DocumentContentSecurityPolicy = "sandbox; default-src 'none'; frame-ancestors 'none'";

    /// <summary>Links to other sites get the origin only, never the path (which may hold a meeting or a code).</summary>
    public const string DefaultReferrerPolicy = "strict-origin-when-cross-origin";

    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.OnStarting(static state =>
        {
            var headers = ((HttpContext)state).Response.Headers;
            // Blazor's interactive pages come with "frame-ancestors 'self'" alone; the console gets the whole policy.
            if (!headers.ContainsKey("Content-Security-Policy") || headers.ContentSecurityPolicy == "frame-ancestors 'self'")
            {
                headers.ContentSecurityPolicy = DefaultContentSecurityPolicy;
            }

            headers.XContentTypeOptions = "nosniff";
            if (!headers.ContainsKey("Referrer-Policy"))
            {
                headers["Referrer-Policy"] = DefaultReferrerPolicy;
            }

            // For browsers that predate frame-ancestors.
            headers.XFrameOptions = "DENY";
            return Task.CompletedTask;
        }, context);
        return next(context);
    }
}
