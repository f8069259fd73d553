using System.Text.Json.Serialization;
using Conferencing.Server.Accounts;
using Conferencing.Server.Demo;
using Conferencing.Server.Simulator;
using Conferencing.Server.Endpoints;
using Conferencing.Server.Hosting.Cluster;
using Conferencing.Server.Hosting.Supervision;
using Conferencing.Server.Meetings;
using Conferencing.Server.Monitoring;
using Conferencing.Server.Relaying;
using Conferencing.Server.Room;
using Conferencing.Server.Sites;
using Conferencing.Server.Store;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Serilog;
using Serilog.Extensions.Logging;

namespace Conferencing.Server.Hosting;

/// <summary>Composition of the server: services, options, pipeline and endpoints, in one place.</summary>
public static class ServerSetup
{
    /// <summary>
    /// Data and logs go under the directory the server is started from (./data, ./logs), but the
    /// settings files ship next to the binary. They are read from there too, with the lowest
    /// precedence, so <c>dotnet run --project src/Conferencing.Server</c> works from any directory.
    /// </summary>
    public static WebApplicationBuilder AddSettingsFromBinaryDirectory(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var directory = AppContext.BaseDirectory;
        if (!string.Equals(Path.GetFullPath(builder.Environment.ContentRootPath).TrimEnd('/'), Path.GetFullPath(directory).TrimEnd('/'), StringComparison.Ordinal))
        {
            // The file provider must be resolved before the source is added: adding builds it.
            var sources = builder.Configuration.Sources;
            string[] files = ["appsettings.json", $"appsettings.{builder.Environment.EnvironmentName}.json"];
            for (var i = 0; i < files.Length; i++)
            {
                var source = new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource { Path = Path.Combine(directory, files[i]), Optional = true, ReloadOnChange = false };
                source.ResolveFileProvider();
                sources.Insert(i, source);
            }
        }

        return builder;
    }

    public static WebApplicationBuilder AddConferencing(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;

        // Serilog is only the sink; the logger is built when the container is, so that settings a
        // test host adds late are seen.
        builder.Logging.ClearProviders();
        services.AddSingleton<ILoggerProvider>(sp => new SerilogLoggerProvider(
            new LoggerConfiguration().ReadFrom.Configuration(sp.GetRequiredService<IConfiguration>()).Enrich.FromLogContext().Enrich.With<LogRedactionEnricher>().CreateLogger(), dispose: true));

        services.AddOptions<StoreOptions>().BindConfiguration(StoreOptions.Section)
            .Check(o => StoreProblem(o) is null, o => StoreProblem(o)!)
            .ValidateOnStart();
        services.AddOptions<DemoOptions>().BindConfiguration(DemoOptions.Section);
        services.AddOptions<BootstrapOptions>().BindConfiguration(BootstrapOptions.Section);

        services.AddSingleton(TimeProvider.System);
        builder.AddCluster();
        services.AddLoopSupervision();
        services.AddSingleton<Database>();
        services.AddSingleton<MigrationRunner>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<SiteStore>();
        services.AddSingleton<EndpointStore>();
        services.AddSingleton<MeetingStore>();
        services.AddSingleton<MeetingEvents>();
        services.AddSingleton<MeetingService>();
        services.AddSingleton<StaffUserStore>();
        services.AddAccounts();
        services.AddSingleton<DemoSeeder>();
        services.AddSingleton<StartupTasks>();
        services.AddOptions<Endpoints.Presence.SipServerOptions>().BindConfiguration(Endpoints.Presence.SipServerOptions.Section)
            .CheckAll(o => o.Problems())
            .Check(o => o.KeepaliveInterval > TimeSpan.Zero && o.OfflineAfter > o.KeepaliveInterval,
                o => $"Sip:OfflineAfter must exceed Sip:KeepaliveInterval (above zero); they are {o.OfflineAfter} and {o.KeepaliveInterval}.")
            .ValidateOnStart();
        services.AddSingleton<Endpoints.Presence.RegistrationStore>();
        services.AddSingleton<Endpoints.Presence.PresenceService>();
        services.AddHostedService(sp => sp.GetRequiredService<Endpoints.Presence.PresenceService>());
        services.AddSignalR().AddJsonProtocol(o => ConfigureJson(o.PayloadSerializerOptions));
        services.AddMonitoring();
        services.AddSingleton<Reports.MeetingQualityStore>();
        services.AddSingleton<Reports.ReportService>();
        Reports.ReportSetup.AddReportLetterhead(services);
        services.AddRoomSimulator();
        services.AddPaperlessRoom();
        services.AddRelaying();
        Recording.RecordingSetup.AddRecording(services);
        LiveMeetings.LiveMeetingsSetup.AddLiveMeetings(services);
        RoomControl.RoomControlSetup.AddRoomControl(services);

        services.AddDataProtection().SetApplicationName("Conferencing");
        services.AddConferencingSecurity();
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp =>
            new ConfigureOptions<KeyManagementOptions>(o => o.XmlRepository = new DatabaseKeyRepository(sp.GetRequiredService<Database>())));

        services.ConfigureHttpJsonOptions(o => ConfigureJson(o.SerializerOptions));
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
        {
            c.ProblemDetails.Instance ??= c.HttpContext.Request.Path;
            c.ProblemDetails.Extensions["traceId"] = c.HttpContext.TraceIdentifier;
        });
        services.AddExceptionHandler<ProblemDetailsExceptionHandler>();
        services.AddOpenApi();
        services.AddHealthChecks().AddCheck<StoreHealthCheck>("store");

        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddCascadingAuthenticationState();
        services.AddLocalization(o => o.ResourcesPath = "Resources");
        services.Configure<RequestLocalizationOptions>(o =>
        {
            // Vietnamese first: the province's staff read Vietnamese; English is one click away.
            var cultures = new[] { new System.Globalization.CultureInfo("vi-VN"), new System.Globalization.CultureInfo("en-US") };
            o.DefaultRequestCulture = new Microsoft.AspNetCore.Localization.RequestCulture("vi-VN");
            o.SupportedCultures = cultures;
            o.SupportedUICultures = cultures;
            o.RequestCultureProviders = [new Microsoft.AspNetCore.Localization.CookieRequestCultureProvider()];
        });

        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(o =>
        {
            o.Cookie.Name = "conferencing.auth";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.LoginPath = "/login";
            o.AccessDeniedPath = "/access-denied";
            o.Events.OnRedirectToLogin = c => ApiOrRedirect(c, StatusCodes.Status401Unauthorized, "Sign in first: POST /api/auth/login.");
            o.Events.OnRedirectToAccessDenied = c => ApiOrRedirect(c, StatusCodes.Status403Forbidden, "Your role does not allow this.");
        });
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(StaffRoles.Policies.Staff, p => p.RequireRole(StaffRoles.All))
            .AddPolicy(StaffRoles.Policies.Secretariat, p => p.RequireRole(StaffRoles.Admin, StaffRoles.Secretariat))
            .AddPolicy(StaffRoles.Policies.Technician, p => p.RequireRole(StaffRoles.Admin, StaffRoles.Technician))
            .AddPolicy(StaffRoles.Policies.Admin, p => p.RequireRole(StaffRoles.Admin));
        return builder;
    }

    public static WebApplication UseConferencing(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseConferencingSecurity();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<RequestLoggingMiddleware>();
        app.UseRequestLocalization();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseMiddleware<RequestSizeLimitMiddleware>();
        app.UseAntiforgery();

        app.MapOpenApi().AllowAnonymous();
        app.MapHealthChecks("/health", new HealthCheckOptions
        {
            ResponseWriter = (context, report) => context.Response.WriteAsJsonAsync(new
            {
                status = report.Status.ToString(),
                // A check that throws gets its exception's message as description: never shown.
                checks = report.Entries.ToDictionary(e => e.Key, e => new
                {
                    status = e.Value.Status.ToString(),
                    description = e.Value.Exception is { } error && e.Value.Description == error.Message ? "failed; the reason is in the server log" : e.Value.Description,
                }),
            }),
        }).AllowAnonymous();
        app.MapAuthApi();
        app.MapSiteApi();
        app.MapEndpointApi();
        app.MapMeetingApi();
        app.MapPaperlessRoom();
        app.UseRelaying();
        Recording.RecordingSetup.MapRecording(app);
        Reports.ReportApi.MapReportApi(app);
        Audit.AuditApi.MapAuditApi(app);
        app.MapFallback("/api/{**path}", () => TypedResults.Problem(statusCode: 404, title: "Not found", detail: "No such resource.")).AllowAnonymous();

        app.MapStaticAssets().AllowAnonymous();
        app.MapMonitoring();
        LiveMeetings.LiveMeetingApi.MapLiveMeetings(app);
        RoomControl.RoomControlSetup.MapRoomControl(app);
        app.MapGet("/lib/signalr/signalr.min.js", (HttpContext http) =>
        {
            // From the npm package, copied next to the binary by the build (see the csproj).
            http.Response.Headers.CacheControl = "public, max-age=86400";
            return TypedResults.PhysicalFile(Path.Combine(AppContext.BaseDirectory, "clientlib", "signalr.min.js"), "text/javascript");
        }).AllowAnonymous().ExcludeFromDescription();
        app.MapAccountPages();
        app.MapRazorComponents<Components.App>().AddInteractiveServerRenderMode();
        return app;
    }

    /// <summary>Why the store settings cannot be used (never the connection string itself: it may hold a password), or null.</summary>
    private static string? StoreProblem(StoreOptions options)
    {
        try
        {
            options.ResolveProvider();
            return null;
        }
        catch (InvalidOperationException e)
        {
            return e.Message;
        }
    }

    public static void ConfigureJson(System.Text.Json.JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Converters.Add(new JsonStringEnumConverter());
        options.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
    }

    private static Task ApiOrRedirect(Microsoft.AspNetCore.Authentication.RedirectContext<CookieAuthenticationOptions> context, int status, string detail)
    {
        if (context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = status;
            var problems = context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
            return problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context.HttpContext,
                ProblemDetails = { Status = status, Title = status == 401 ? "Not signed in" : "Forbidden", Detail = detail },
            }).AsTask();
        }

        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }
}

/// <summary>Healthy when the store answers a query.</summary>
public sealed class StoreHealthCheck(Database database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await connection.ScalarAsync(null, "SELECT 1", cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"{database.Provider} answers");
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            // The reason goes to the log (the health check service logs the exception), never to
            // the anonymous caller: it can name hosts, users and paths.
            return HealthCheckResult.Unhealthy($"{database.Provider} does not answer", e);
        }
    }
}
