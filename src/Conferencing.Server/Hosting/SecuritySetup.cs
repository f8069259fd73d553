using System.Net;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.Hosting;

/// <summary>
/// Transport and browser defences: the production settings check, the key-encryption key for Data
/// Protection, Secure cookies, trusted proxies, HSTS, security headers and the cross-site check.
/// Decisions that depend on the environment are taken when the container or the pipeline is built,
/// from <see cref="IHostEnvironment"/>, so a test host's environment counts.
/// </summary>
public static class SecuritySetup
{
    /// <summary>HSTS lifetime: a year, the value browsers' preload lists expect.</summary>
    public static readonly TimeSpan HstsMaxAge = TimeSpan.FromDays(365);

    public static IServiceCollection AddConferencingSecurity(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton<IValidateOptions<SecurityOptions>, SecurityStartupCheck>();
        services.AddOptions<SecurityOptions>().BindConfiguration(SecurityOptions.Section).ValidateOnStart();
        services.AddOptions<ForwardedProxyOptions>().BindConfiguration(ForwardedProxyOptions.Section);

        services.AddSingleton(sp =>
        {
            var development = sp.GetRequiredService<IHostEnvironment>().IsDevelopment();
            var file = sp.GetRequiredService<IOptions<SecurityOptions>>().Value.KeyFile;
            if (string.IsNullOrWhiteSpace(file) && !development)
            {
                throw new InvalidOperationException("Security:KeyFile is required outside Development.");
            }

            return KeyEncryptionKey.Load(string.IsNullOrWhiteSpace(file) ? SecurityOptions.DevelopmentKeyFile : file, createIfMissing: development);
        });
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp =>
            new ConfigureOptions<KeyManagementOptions>(o => o.XmlEncryptor = new KeyFileXmlEncryptor(sp.GetRequiredService<KeyEncryptionKey>())));

        // Secure cookies whenever the request is HTTPS, and always outside Development, where a
        // plain-HTTP request reaching the server is a misconfiguration the cookie must not survive.
        services.AddSingleton<IPostConfigureOptions<CookieAuthenticationOptions>>(sp => new PostConfigureOptions<CookieAuthenticationOptions>(null,
            o => o.Cookie.SecurePolicy = CookiePolicy(sp)));
        services.AddSingleton<IPostConfigureOptions<AntiforgeryOptions>>(sp => new PostConfigureOptions<AntiforgeryOptions>(null,
            o => o.Cookie.SecurePolicy = CookiePolicy(sp)));
        services.AddHsts(o =>
        {
            o.MaxAge = HstsMaxAge;
            // The production host names come from AllowedHosts; a loopback name there is a test.
            o.ExcludedHosts.Clear();
        });
        services.AddSingleton<IConfigureOptions<ForwardedHeadersOptions>>(sp => new ConfigureOptions<ForwardedHeadersOptions>(o =>
        {
            var proxies = sp.GetRequiredService<IOptions<ForwardedProxyOptions>>().Value;
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var proxy in proxies.KnownProxies)
            {
                o.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            foreach (var network in proxies.KnownNetworks)
            {
                o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        }));
        return services;
    }

    /// <summary>The first steps of the pipeline: who the client really is, then what every response carries.</summary>
    public static WebApplication UseConferencingSecurity(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.Services.GetRequiredService<IOptions<ForwardedProxyOptions>>().Value.Any)
        {
            app.UseForwardedHeaders();
        }

        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
        }

        app.UseMiddleware<SecurityHeadersMiddleware>();
        app.UseMiddleware<CrossSiteRequestMiddleware>();
        return app;
    }

    private static CookieSecurePolicy CookiePolicy(IServiceProvider services) =>
        services.GetRequiredService<IHostEnvironment>().IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
}
