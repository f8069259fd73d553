using Microsoft.Extensions.Options;

namespace Conferencing.Server.Hosting;

/// <summary>
/// What a server outside Development refuses to start without, each failure one line naming the
/// setting: the host names it answers to (AllowedHosts, not *), the public address links and QR codes
/// are built from (Room:PublicBaseUrl, https), the key-encryption key, and certificate files that exist
/// for every HTTPS endpoint. Development (<c>dotnet run</c>, the demo) needs none of them.
/// </summary>
public sealed class SecurityStartupCheck(IConfiguration configuration, IHostEnvironment environment) : IValidateOptions<SecurityOptions>
{
    public ValidateOptionsResult Validate(string? name, SecurityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (configuration.GetSection(ForwardedProxyOptions.Section).Get<ForwardedProxyOptions>()?.Validate() is { } proxies)
        {
            failures.Add(proxies);
        }

        failures.AddRange(CertificateProblems());
        if (environment.IsDevelopment())
        {
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }

        var hosts = configuration["AllowedHosts"];
        if (string.IsNullOrWhiteSpace(hosts) || hosts.Split(';', StringSplitOptions.TrimEntries).Contains("*"))
        {
            failures.Add("AllowedHosts: name the host names this server answers to (e.g. hop.phutho.gov.vn), not *: a forged Host header must not reach the pages.");
        }

        var url = configuration["Room:PublicBaseUrl"];
        if (string.IsNullOrWhiteSpace(url) || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
        {
            failures.Add("Room:PublicBaseUrl: set the https address phones and room displays reach (e.g. https://hop.phutho.gov.vn); QR codes and links are built from it, never from the request.");
        }

        if (string.IsNullOrWhiteSpace(options.KeyFile))
        {
            failures.Add("Security:KeyFile: name the key-encryption key file that seals the keys kept in the database (make it: head -c 32 /dev/urandom > /etc/conferencing/kek && chmod 600 /etc/conferencing/kek).");
        }
        else if (KeyEncryptionKey.Problem(Path.GetFullPath(options.KeyFile)) is { } problem)
        {
            failures.Add(problem);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Kestrel's own certificate settings, checked here so a wrong path is one clear line rather than a stack trace.</summary>
    private IEnumerable<string> CertificateProblems()
    {
        var sections = configuration.GetSection("Kestrel:Endpoints").GetChildren()
            .Select(e => (Name: $"Kestrel:Endpoints:{e.Key}:Certificate", Section: e.GetSection("Certificate"), Https: e["Url"]?.StartsWith("https:", StringComparison.OrdinalIgnoreCase) == true))
            .Append(("Kestrel:Certificates:Default", configuration.GetSection("Kestrel:Certificates:Default"), false));
        var hasDefault = configuration.GetSection("Kestrel:Certificates:Default").GetChildren().Any();
        foreach (var (settingName, section, https) in sections)
        {
            var path = section["Path"];
            if (path is { Length: > 0 } && !File.Exists(Path.GetFullPath(path)))
            {
                yield return $"{settingName}:Path: no certificate file at {Path.GetFullPath(path)} (PEM or PFX).";
            }

            var keyPath = section["KeyPath"];
            if (keyPath is { Length: > 0 } && !File.Exists(Path.GetFullPath(keyPath)))
            {
                yield return $"{settingName}:KeyPath: no private key file at {Path.GetFullPath(keyPath)}.";
            }

            if (https && path is null && section["Subject"] is null && !hasDefault && !environment.IsDevelopment())
            {
                yield return $"{settingName}: an https endpoint needs Path (and KeyPath for PEM, or Password for PFX).";
            }
        }
    }
}
