using System.Diagnostics;
using Conferencing.Server.Room;
using Microsoft.AspNetCore.Http.Metadata;

namespace Conferencing.Server.Hosting;

/// <summary>
/// Marks an endpoint whose request line must not say who called it: a ballot of a secret vote,
/// whose time next to the live counts would tell who answered what.
/// </summary>
public sealed class LogWithoutCallerMetadata
{
    public static readonly LogWithoutCallerMetadata Instance = new();
}

/// <summary>
/// One structured line per request (method, path, status, time, caller), the part of Serilog's request
/// logging we need without Serilog.AspNetCore, which does not restore here. The path goes through
/// <see cref="LogRedaction"/> (secret route values become their names), staff are named by account,
/// delegates and displays only by their id (a delegate's name is personal data and, next to a ballot,
/// a vote), and endpoints marked <see cref="LogWithoutCallerMetadata"/> name no caller at all.
/// </summary>
public sealed partial class RequestLoggingMiddleware(RequestDelegate next, ILogger<RequestLoggingMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var caller = Caller(context);
            var path = LogRedaction.Redact(context.Request.Path);
            var status = context.Response.StatusCode;
            if (status >= 500)
            {
                Log.RequestFailed(logger, context.Request.Method, path, status, elapsed, caller);
            }
            else
            {
                Log.RequestCompleted(logger, context.Request.Method, path, status, elapsed, caller);
            }
        }
    }

    /// <summary>Who to name in the request line, if anyone.</summary>
    internal static string? Caller(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<LogWithoutCallerMetadata>() is not null)
        {
            return null;
        }

        if (context.User.DelegateIdentity() is { } person)
        {
            return "delegate:" + person.DelegateId();
        }

        if (context.User.DisplayIdentity() is { } display)
        {
            return "display:" + display.DisplayLinkId();
        }

        return context.User.Identity?.IsAuthenticated == true ? context.User.Identity.Name : null;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "HTTP {Method} {Path} responded {StatusCode} in {ElapsedMs:0.0} ms (caller {User})")]
        public static partial void RequestCompleted(ILogger logger, string method, string path, int statusCode, double elapsedMs, string? user);

        [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "HTTP {Method} {Path} responded {StatusCode} in {ElapsedMs:0.0} ms (caller {User})")]
        public static partial void RequestFailed(ILogger logger, string method, string path, int statusCode, double elapsedMs, string? user);
    }
}

/// <summary>
/// Refuses a body whose declared length is over the endpoint's limit before anything reads it, with
/// a problem response. Kestrel enforces the same limit on bodies without a declared length.
/// </summary>
public sealed class RequestSizeLimitMiddleware(RequestDelegate next)
{
    /// <summary>The default limit for API requests: 1 MB.</summary>
    public const long DefaultLimitBytes = 1024 * 1024;

    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var limit = context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize ?? DefaultLimitBytes;
        if (context.Request.ContentLength is { } length && length > limit)
        {
            throw new BadHttpRequestException($"The request body is {length} bytes; this endpoint accepts at most {limit} bytes.", StatusCodes.Status413PayloadTooLarge);
        }

        var feature = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false })
        {
            feature.MaxRequestBodySize = limit;
        }

        await next(context).ConfigureAwait(false);
    }
}
