using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Conferencing.Server.Tests.Hosting;

/// <summary>
/// The server as production runs it: real Kestrel speaking HTTPS with a certificate made here, HSTS,
/// Secure cookies, the host names it answers to, keys sealed at rest, and a refusal to start when a
/// required setting is missing.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ProductionHostingTests : IDisposable
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("conferencing-production");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public async Task ProductionAnswersHttpsWithHstsAndSecureCookiesOnlyForItsOwnHostName()
    {
        var (certificate, settings) = ProductionSettings();
        settings["Kestrel:Endpoints:Https:Url"] = "https://127.0.0.1:0";
        await using var factory = new ConferencingFactory(TestDatabase.Sqlite(), settings: settings);
        factory.UseKestrel();
        factory.StartServer();
        var address = new Uri(factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single(a => a.StartsWith("https:", StringComparison.Ordinal)));
        var thumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256);
        using var handler = new HttpClientHandler
        {
            UseCookies = false,
            ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented?.GetCertHashString(HashAlgorithmName.SHA256) == thumbprint,
        };
        using var client = new HttpClient(handler) { BaseAddress = address };

        using var health = new HttpRequestMessage(HttpMethod.Get, "/health") { Headers = { Host = "hop.test" } };
        var answer = await client.SendAsync(health).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("max-age=31536000", Assert.Single(answer.Headers.GetValues("Strict-Transport-Security")));

        using var login = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login")
        {
            Headers = { Host = "hop.test" },
            Content = JsonContent.Create(new { username = "admin", password = ConferencingFactory.AdminPassword }),
        };
        var signedIn = await client.SendAsync(login).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        var cookie = Assert.Single(signedIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith("conferencing.auth=", StringComparison.Ordinal));
        Assert.Contains("; secure", cookie, StringComparison.OrdinalIgnoreCase);

        using var forged = new HttpRequestMessage(HttpMethod.Get, "/health") { Headers = { Host = "evil.test" } };
        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(forged).DefaultTimeout()).StatusCode);
    }

    [Fact]
    public async Task ProductionRefusesToStartWithoutHostNamesPublicAddressAndKeyFile()
    {
        var (code, error) = await RunServerAsync(new Dictionary<string, string?>());
        Assert.Equal(2, code);
        Assert.Contains("conferencing: invalid setting: ", error, StringComparison.Ordinal);
        Assert.Contains("AllowedHosts:", error, StringComparison.Ordinal);
        Assert.Contains("Room:PublicBaseUrl:", error, StringComparison.Ordinal);
        Assert.Contains("Security:KeyFile:", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProductionRefusesAKeyFileOthersCanReadAndACertificateThatIsNotThere()
    {
        var (_, settings) = ProductionSettings();
        File.SetUnixFileMode(settings["Security:KeyFile"]!, OwnerReadWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        settings["Kestrel:Endpoints:Https:Url"] = "https://127.0.0.1:0";
        settings["Kestrel:Endpoints:Https:Certificate:Path"] = Path.Combine(_folder.FullName, "missing.pem");
        var (code, error) = await RunServerAsync(settings.ToDictionary(p => p.Key.Replace(":", "__", StringComparison.Ordinal), p => p.Value));
        Assert.Equal(2, code);
        Assert.Contains("chmod 600", error, StringComparison.Ordinal);
        Assert.Contains("no certificate file at", error, StringComparison.Ordinal);
        Assert.DoesNotContain("AllowedHosts:", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DataProtectionKeysAreSealedWithTheKeyFileAndTheDatabaseIsOwnerOnly()
    {
        var keyFile = Path.Combine(_folder.FullName, "keys", "kek");
        var databaseFile = Path.Combine(_folder.FullName, "store", "nested", "conferencing.db");
        var settings = new Dictionary<string, string?>
        {
            ["Security:KeyFile"] = keyFile,
            ["Store:ConnectionString"] = $"Data Source={databaseFile}",
        };
        string cookie;
        await using (var first = new ConferencingFactory(TestDatabase.Sqlite(), settings: settings))
        {
            using var client = first.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { HandleCookies = false });
            var login = await client.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = ConferencingFactory.AdminPassword }).DefaultTimeout();
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
            cookie = login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("conferencing.auth=", StringComparison.Ordinal)).Split(';')[0];
        }

        // Development made the key file itself, readable by the server's account only.
        Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(keyFile));
        Assert.Equal(32, new FileInfo(keyFile).Length);
        Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(databaseFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(databaseFile)!));

        var rows = new List<string>();
        await using (var connection = new SqliteConnection($"Data Source={databaseFile};Pooling=false"))
        {
            await connection.OpenAsync().DefaultTimeout();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT xml FROM data_protection_keys";
            await using var reader = await command.ExecuteReaderAsync().DefaultTimeout();
            while (await reader.ReadAsync().DefaultTimeout())
            {
                rows.Add(reader.GetString(0));
            }
        }

        Assert.NotEmpty(rows);
        Assert.All(rows, xml =>
        {
            Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal);
            Assert.Contains("<sealedKey", xml, StringComparison.Ordinal);
        });

        // The same key file opens them again after a restart: the cookie still signs in.
        await using (var again = new ConferencingFactory(TestDatabase.Sqlite(), settings: settings))
        {
            using var client = again.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { HandleCookies = false });
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/users") { Headers = { { "Cookie", cookie } } };
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(request).DefaultTimeout()).StatusCode);
        }

        // Another key file does not: the sealed keys are useless without it.
        settings["Security:KeyFile"] = Path.Combine(_folder.FullName, "other-kek");
        await using (var stranger = new ConferencingFactory(TestDatabase.Sqlite(), settings: settings))
        {
            using var client = stranger.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { HandleCookies = false });
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/users") { Headers = { { "Cookie", cookie } } };
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(request).DefaultTimeout()).StatusCode);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ForwardedProtoIsBelievedOnlyFromAConfiguredProxy(bool configured)
    {
        var settings = new Dictionary<string, string?>();
        if (configured)
        {
            settings["ForwardedHeaders:KnownProxies:0"] = "127.0.0.1";
        }

        await using var factory = new ConferencingFactory(TestDatabase.Sqlite(), settings: settings);
        var url = BrowserFixture.StartKestrel(factory);
        using var handler = new HttpClientHandler { UseCookies = false };
        using var client = new HttpClient(handler) { BaseAddress = new Uri(url) };
        using var login = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login")
        {
            Headers = { { "X-Forwarded-Proto", "https" }, { "X-Forwarded-For", "203.0.113.7" } },
            Content = JsonContent.Create(new { username = "admin", password = ConferencingFactory.AdminPassword }),
        };
        var response = await client.SendAsync(login).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("conferencing.auth=", StringComparison.Ordinal));
        Assert.Equal(configured, cookie.Contains("; secure", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Everything production needs, with a self-signed certificate for hop.test and an owner-only key file.</summary>
    private (X509Certificate2 Certificate, Dictionary<string, string?> Settings) ProductionSettings()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=hop.test", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("hop.test");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        var certificatePath = Path.Combine(_folder.FullName, "hop.test.pem");
        var keyPath = Path.Combine(_folder.FullName, "hop.test.key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        var kek = Path.Combine(_folder.FullName, "kek");
        File.WriteAllBytes(kek, RandomNumberGenerator.GetBytes(32));
        File.SetUnixFileMode(kek, OwnerReadWrite);
        return (certificate, new Dictionary<string, string?>
        {
            ["environment"] = "Production",
            ["AllowedHosts"] = "hop.test",
            ["Room:PublicBaseUrl"] = "https://hop.test",
            ["Security:KeyFile"] = kek,
            ["Kestrel:Endpoints:Https:Certificate:Path"] = certificatePath,
            ["Kestrel:Endpoints:Https:Certificate:KeyPath"] = keyPath,
        });
    }

    /// <summary>The built server process in Production in the test's folder; its exit code and standard error.</summary>
    private async Task<(int Code, string Error)> RunServerAsync(Dictionary<string, string?> environment)
    {
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        var dll = Sample.RepoFile("src", "Conferencing.Server", "bin", configuration, "net10.0", "Conferencing.Server.dll");
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = _folder.FullName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Urls"] = "http://127.0.0.1:0";
        start.Environment["Sip__Listen"] = "127.0.0.1:0";
        start.Environment["Cluster__SiloPort"] = "0";
        start.Environment["Relay__Sip"] = "127.0.0.1:0";
        start.Environment["Relay__MediaPorts"] = "0";
        foreach (var (name, value) in environment)
        {
            if (name != "environment")
            {
                start.Environment[name] = value;
            }
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException("The server did not refuse to start: " + await output.DefaultTimeout());
        }

        return (process.ExitCode, await error.DefaultTimeout());
    }
}
