using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Conferencing.Relay.Http;

/// <summary>
/// The HTTP control API of a standalone relay, under /v1, every call authenticated with the node's
/// shared key (<c>Authorization: Bearer KEY</c>). Errors are RFC 9457 problem details with a
/// stable <c>code</c>. <c>GET /v1/events</c> streams <see cref="RelayEvent"/>s as Server-Sent
/// Events, a snapshot first.
/// </summary>
public static class RelayApi
{
    /// <summary>How often the event stream sends a comment line when nothing else happens, so dead connections show.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(10);

    /// <summary>Maps the API.</summary>
    public static IEndpointRouteBuilder MapRelayApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/health", () => TypedResults.Ok(new { status = "ok" }));
        RouteGroupBuilder api = app.MapGroup("/v1").AddEndpointFilter(RequireKeyAsync);
        api.MapPost("/meetings", OpenMeetingAsync);
        api.MapGet("/meetings", ListMeetingsAsync);
        api.MapGet("/meetings/{number}", GetMeetingAsync);
        api.MapDelete("/meetings/{number}", CloseMeetingAsync);
        api.MapPut("/meetings/{number}/dial-in", SetDialInAsync);
        api.MapGet("/meetings/{number}/legs", ListLegsAsync);
        api.MapPost("/meetings/{number}/legs", DialAsync);
        api.MapDelete("/meetings/{number}/legs/{legId}", HangUpAsync);
        api.MapPut("/meetings/{number}/program", SetProgramAsync);
        api.MapPut("/meetings/{number}/legs/{legId}/mute", MuteAsync);
        api.MapPut("/meetings/{number}/audio-mix", SetAudioMixAsync);
        api.MapPost("/meetings/{number}/legs/{legId}/keyframe", KeyframeAsync);
        api.MapGet("/meetings/{number}/statistics", StatisticsAsync);
        api.MapGet("/events", Events);
        return app;
    }

    /// <summary>A problem response for a relay error.</summary>
    public static ProblemHttpResult Problem(RelayException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        int status = error.Kind switch
        {
            RelayErrorKind.NotFound => StatusCodes.Status404NotFound,
            RelayErrorKind.Conflict => StatusCodes.Status409Conflict,
            RelayErrorKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
            RelayErrorKind.Unauthorized => StatusCodes.Status401Unauthorized,
            _ => StatusCodes.Status400BadRequest,
        };
        var extensions = new Dictionary<string, object?> { ["code"] = error.Code };
        if (error.Errors.Count > 0)
        {
            extensions["errors"] = error.Errors;
        }

        return TypedResults.Problem(statusCode: status, title: Title(status), detail: error.Message, extensions: extensions);
    }

    internal static string Title(int status) => status switch
    {
        400 => "Invalid request",
        401 => "Unauthorized",
        404 => "Not found",
        409 => "Conflict",
        503 => "Unavailable",
        _ => "Error",
    };

    private static async ValueTask<object?> RequireKeyAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        HttpContext http = context.HttpContext;
        string? expected = http.RequestServices.GetRequiredService<IOptions<RelayOptions>>().Value.ApiKey;
        string header = http.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        bool ok = expected is { Length: > 0 }
            && header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()), Encoding.UTF8.GetBytes(expected));
        if (!ok)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer realm=\"relay\"";
            return TypedResults.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                title: "Unauthorized",
                detail: header.Length == 0 ? "The relay API needs 'Authorization: Bearer <key>'." : "The key is not this relay's.",
                extensions: new Dictionary<string, object?> { ["code"] = "relay.unauthorized" });
        }

        return await next(context).ConfigureAwait(false);
    }

    private static async Task<Results<Created<RelayMeetingInfo>, ProblemHttpResult>> OpenMeetingAsync(OpenMeetingRequest? request, IRelayControl relay, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return Problem(RelayException.Invalid("body", "A JSON body with the meeting number is needed."));
        }

        try
        {
            RelayMeetingInfo info = await relay.OpenMeetingAsync(request, cancellationToken).ConfigureAwait(false);
            return TypedResults.Created($"/v1/meetings/{info.Number}", info);
        }
        catch (RelayException e)
        {
            return Problem(e);
        }
    }

    private static async Task<Ok<IReadOnlyList<RelayMeetingInfo>>> ListMeetingsAsync(IRelayControl relay, CancellationToken cancellationToken) =>
        TypedResults.Ok(await relay.ListMeetingsAsync(cancellationToken).ConfigureAwait(false));

    private static async Task<Results<Ok<RelayMeetingInfo>, ProblemHttpResult>> GetMeetingAsync(string number, IRelayControl relay, CancellationToken cancellationToken)
    {
        try
        {
            return TypedResults.Ok(await relay.GetMeetingAsync(number, cancellationToken).ConfigureAwait(false));
        }
        catch (RelayException e)
        {
            return Problem(e);
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> CloseMeetingAsync(string number, IRelayControl relay, CancellationToken cancellationToken)
    {
        try
        {
            await relay.CloseMeetingAsync(number, cancellationToken).ConfigureAwait(false);
            return TypedResults.NoContent();
        }
        catch (RelayException e)
        {
            return Problem(e);
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> SetDialInAsync(string number, DialInRequest? request, IRelayControl relay, CancellationToken cancellationToken)
    {
        if (request?.DialIn is not { } dialIn)
        {
            return Problem(RelayException.Invalid("dialIn", "A JSON body with dialIn, the users allowed to dial in and their passwords ({} for nobody), is needed."));
        }

        try
        {
            await relay.SetDialInAsync(number, dialIn, cancellationToken).ConfigureAwait(false);
            return TypedResults.NoContent();
        }
        catch (RelayException e)
        {
            return Problem(e);
        }
    }

    private static async Task<Results<Ok<IReadOnlyList<LegInfo>>, ProblemHttpResult>> ListLegsAsync(string number, IRelayControl relay, CancellationToken cancellationToken)
    {
        try
        {
            return TypedResults.Ok((await relay.GetMeetingAsync(number, cancellationToken).ConfigureAwait(false)).Legs);
        }
        catch (RelayException e)
        {
            return Problem(e);
        }
    }

    private static async Task<Results<Accepted<LegInfo>, ProblemHttpResult>> DialAsync(string number, DialRequest? request, IRelayControl relay, CancellationToken cancellationToken)
    {
        if (request is null || string.IsNullOrWhiteSpace(request.Uri))
        {
            return Problem(RelayException.Invalid("uri", "The SIP URI to dial is needed."));
        }

        try
        {
            LegInfo leg = await relay.DialAsync(number, request, cancellationToken).ConfigureAwait(false);
            return TypedResults.Accepted($"/v1/meetings/{number}/legs/{leg.LegId}", leg);
        }
        catch (RelayException e)
        {
            return Problem(e);
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> HangUpAsync(string number, string legId, IRelayControl relay, CancellationToken cancellationToken)
    {
        try
        {
            await relay.HangUpAsync(number, legId, cancellationToken).ConfigureAwait(false);
            return TypedResults.NoContent();
        }
        catch (RelayException e)
        {
            return Problem(e);
        }
    }

    private static async Task<Results<Ok<RelayMeetingInfo>, ProblemHttpResult>> SetProgramAsync(string number, ProgramRequest? request, IRelayControl relay, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return Problem(RelayException.Invalid("body", "A JSON body with legId (null for no program) is needed."));
        }

        try
        {
            await relay.SetProgramAsync(number, request, cancellationToken).ConfigureAwait(false);
            return TypedResults.Ok(await relay.GetMeetingAsync(number, cancellationToken).ConfigureAwait(false));
        }
        catch (RelayException e)
        {
            return Problem(e);
        }
    }

    private static async Task<Results<Ok<RelayMeetingInfo>, ProblemHttpResult>> SetAudioMixAsync(string number, AudioMixRequest? request, IRelayControl relay, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return Problem(RelayException.Invalid("body", "A JSON body with enabled, and optionally openDiscussion and maxSpeakers, is needed."));
        }

        try
        {
            await relay.SetAudioMixAsync(number, request, cancellationToken).ConfigureAwait(false);
            return TypedResults.Ok(await relay.GetMeetingAsync(number, cancellationToken).ConfigureAwait(false));
        }
        catch (RelayException e)
        {
            return Problem(e);
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> MuteAsync(string number, string legId, MuteRequest? request, IRelayControl relay, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return Problem(RelayException.Invalid("muted", "A JSON body with muted true or false is needed."));
        }

        try
        {
            await relay.SetAudioMutedAsync(number, legId, request.Muted, cancellationToken).ConfigureAwait(false);
            return TypedResults.NoContent();
        }
        catch (RelayException e)
        {
            return Problem(e);
        }
    }

    private static async Task<Results<Accepted, ProblemHttpResult>> KeyframeAsync(string number, string legId, IRelayControl relay, CancellationToken cancellationToken)
    {
        try
        {
            await relay.RequestKeyframeAsync(number, legId, cancellationToken).ConfigureAwait(false);
            return TypedResults.Accepted((string?)null);
        }
        catch (RelayException e)
        {
            return Problem(e);
        }
    }

    private static async Task<Results<Ok<IReadOnlyList<LegStatistics>>, ProblemHttpResult>> StatisticsAsync(string number, IRelayControl relay, CancellationToken cancellationToken)
    {
        try
        {
            return TypedResults.Ok(await relay.GetStatisticsAsync(number, cancellationToken).ConfigureAwait(false));
        }
        catch (RelayException e)
        {
            return Problem(e);
        }
    }

    private static EventStreamResult Events(IRelayControl relay, HttpContext http) =>
        new(relay.WatchAsync(http.RequestAborted));

    /// <summary>Writes events as Server-Sent Events: "event: type", "id: n", "data: json", with heartbeat comments.</summary>
    private sealed class EventStreamResult(IAsyncEnumerable<RelayEvent> events) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            HttpResponse response = httpContext.Response;
            CancellationToken aborted = httpContext.RequestAborted;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            httpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            await response.Body.FlushAsync(aborted).ConfigureAwait(false);

            long id = 0;
            IAsyncEnumerator<RelayEvent> enumerator = events.GetAsyncEnumerator(aborted);
            Task<bool>? next = null;
            try
            {
                while (true)
                {
                    next = enumerator.MoveNextAsync().AsTask();
                    while (await Task.WhenAny(next, Task.Delay(HeartbeatInterval, aborted)).ConfigureAwait(false) != next)
                    {
                        await response.WriteAsync(": heartbeat\n\n", aborted).ConfigureAwait(false);
                        await response.Body.FlushAsync(aborted).ConfigureAwait(false);
                    }

                    if (!await next.ConfigureAwait(false))
                    {
                        return;
                    }

                    RelayEvent relayEvent = enumerator.Current;
                    string json = JsonSerializer.Serialize(relayEvent, RelayJson.Options);
                    string type = relayEvent switch
                    {
                        SnapshotEvent => "snapshot",
                        MeetingEvent => "meeting",
                        LegEvent => "leg",
                        ProgramEvent => "program",
                        StatisticsEvent => "statistics",
                        _ => "event",
                    };
                    await response.WriteAsync($"event: {type}\nid: {++id}\ndata: {json}\n\n", aborted).ConfigureAwait(false);
                    await response.Body.FlushAsync(aborted).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (aborted.IsCancellationRequested)
            {
            }
            catch (RelayException)
            {
                // The watch overflowed: closing the stream makes the controller reconnect for a new snapshot.
            }
            finally
            {
                if (next is not null)
                {
                    // An enumerator cannot be disposed while a MoveNext is in flight; the abort ends it.
                    await next.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).ConfigureAwait(false);
                }

                await enumerator.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
