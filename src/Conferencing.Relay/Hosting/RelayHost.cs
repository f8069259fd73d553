using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Conferencing.Hosting;
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
/// from appsettings.json, a file named by <c>--config</c> or environment variables (<c>Relay__ApiKey</c>).
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
        ["--cert"] = "Relay:CertificateFile",
        ["--cert-key"] = "Relay:CertificateKeyFile",
    };

    /// <summary>Builds the host from command-line arguments (see <see cref="Flags"/>).</summary>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddCommandLine(args, new Dictionary<string, string>(Flags));
        SettingsFile.Add(builder.Configuration);
        string http = builder.Configuration["Relay:Http"] ?? DefaultHttp;
        X509Certificate2? certificate = LoadCertificate(builder.Configuration);
        string scheme = certificate is null ? "http://" : "https://";
        if (http.Contains("://", StringComparison.Ordinal) && !http.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw new FormatException(certificate is null
                ? $"--http {http} asks for HTTPS: give the certificate too (--cert relay.pem --cert-key relay.key, or a .pfx with Relay__CertificatePassword)."
                : $"--http {http} is plain HTTP but a certificate was given: use https://{http[(http.IndexOf("://", StringComparison.Ordinal) + 3)..]} or just host:port.");
        }

        builder.WebHost.UseUrls(http.Contains("://", StringComparison.Ordinal) ? http : scheme + http);
        if (certificate is not null)
        {
            // The slim builder leaves HTTPS out until asked.
            builder.WebHost.UseKestrelHttpsConfiguration();
            builder.WebHost.ConfigureKestrel(o => o.ConfigureHttpsDefaults(h => h.ServerCertificate = certificate));
        }

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

    /// <summary>
    /// The control API's certificate: a PEM certificate with its PEM key (<c>--cert</c>, <c>--cert-key</c>),
    /// or a PKCS#12 file (<c>--cert relay.pfx</c>, password in <c>Relay:CertificatePassword</c>). Null for plain HTTP.
    /// </summary>
    private static X509Certificate2? LoadCertificate(IConfiguration configuration)
    {
        string? file = configuration["Relay:CertificateFile"];
        if (string.IsNullOrEmpty(file))
        {
            return null;
        }

        string path = Path.GetFullPath(file);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"--cert: no certificate file at {path}.", path);
        }

        try
        {
            return configuration["Relay:CertificateKeyFile"] is { Length: > 0 } key
                ? X509Certificate2.CreateFromPemFile(path, Path.GetFullPath(key))
                : X509CertificateLoader.LoadPkcs12FromFile(path, configuration["Relay:CertificatePassword"]);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException)
        {
            throw new FormatException($"--cert {path}: cannot read the certificate and its key ({e.Message}).", e);
        }
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
