using System.Text.Json;
using Conferencing.Relay.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conferencing.Relay.Hosting;

/// <summary>
/// The standalone relay: a <see cref="RelayNode"/> plus its HTTP control API in one small web
/// host. Flags map onto the <c>Relay</c> configuration section, so every setting can also come
/// from appsettings.json or environment variables (<c>Relay__ApiKey</c>).
/// </summary>
public static class RelayHost
{
    /// <summary>The default HTTP API address: loopback port 8090 (put it on the management network explicitly).</summary>
    public const string DefaultHttp = "127.0.0.1:8090";

    /// <summary>Command-line flags and the configuration keys they set.</summary>
    public static IReadOnlyDictionary<string, string> Flags { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--sip"] = "Relay:Sip",
        ["--http"] = "Relay:Http",
        ["--key"] = "Relay:ApiKey",
        ["--name"] = "Relay:Name",
        ["--media-address"] = "Relay:MediaAddress",
        ["--media-ports"] = "Relay:MediaPorts",
        ["--sip-user"] = "Relay:SipUser",
        ["--sip-password"] = "Relay:SipPassword",
        ["--digest"] = "Relay:DigestAlgorithm",
        ["--latching"] = "Relay:Latching",
    };

    /// <summary>Builds the host from command-line arguments (see <see cref="Flags"/>).</summary>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddCommandLine(args, new Dictionary<string, string>(Flags));
        string http = builder.Configuration["Relay:Http"] ?? DefaultHttp;
        builder.WebHost.UseUrls(http.Contains("://", StringComparison.Ordinal) ? http : "http://" + http);
        // Request-by-request framework logs drown the relay's own on a busy node; settings can turn them back on.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.AddRelayNode(requireApiKey: true);
        builder.Services.ConfigureHttpJsonOptions(o => RelayJson.Configure(o.SerializerOptions));
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
            context.ProblemDetails.Extensions.TryAdd("code", context.ProblemDetails.Status switch
            {
                StatusCodes.Status404NotFound => "not-found",
                StatusCodes.Status405MethodNotAllowed => "method-not-allowed",
                StatusCodes.Status400BadRequest => "validation",
                _ => "error",
            }));

        WebApplication app = builder.Build();
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = WriteProblemAsync });
        app.UseStatusCodePages();
        app.MapRelayApi();
        return app;
    }

    /// <summary>Unreadable request bodies get a 400 that names what could not be read; anything else a bare 500.</summary>
    private static async Task WriteProblemAsync(HttpContext context)
    {
        Exception? error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        IResult result = error is BadHttpRequestException bad
            ? TypedResults.Problem(
                statusCode: StatusCodes.Status400BadRequest,
                title: "Invalid request",
                detail: bad.InnerException is JsonException json ? $"The JSON body could not be read at {json.Path ?? "$"} (line {json.LineNumber}, byte {json.BytePositionInLine}): {json.Message}" : bad.Message,
                extensions: new Dictionary<string, object?> { ["code"] = "validation" })
            : TypedResults.Problem(
                statusCode: StatusCodes.Status500InternalServerError,
                title: "Internal error",
                detail: "The relay could not complete the request; the error is in its log.",
                extensions: new Dictionary<string, object?> { ["code"] = "error" });
        await result.ExecuteAsync(context).ConfigureAwait(false);
    }
}
