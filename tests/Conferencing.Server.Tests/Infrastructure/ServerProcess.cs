using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace Conferencing.Server.Tests.Infrastructure;

/// <summary>
/// The server as its own process (<c>dotnet Conferencing.Server.dll</c>, the build this test run was
/// built with), on loopback ports picked here, with a signed-in administrator client. Killing it is
/// <c>kill -9</c>: no shutdown code of the server runs.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly ITestOutputHelper _output;

    private ServerProcess(string name, Process process, Uri url, ITestOutputHelper output)
    {
        Name = name;
        _process = process;
        Url = url;
        _output = output;
    }

    public string Name { get; }

    /// <summary>The server's HTTP address.</summary>
    public Uri Url { get; }

    /// <summary>An administrator's client, signed in once the server answers.</summary>
    public HttpClient Admin { get; private set; } = null!;

    /// <summary>The administrator's cookies (for hub connections).</summary>
    public CookieContainer Cookies { get; } = new();

    public bool HasExited => _process.HasExited;

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>
    /// Starts a server with the settings every test process needs (plain HTTP sign-in, demo and
    /// simulations off, free ports for SIP, the in-process relay and the silo) plus <paramref name="settings"/>
    /// (configuration keys with ':'), and waits until its administrator can sign in.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(string name, string workFolder, IReadOnlyDictionary<string, string?> settings, ITestOutputHelper output)
    {
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        var dll = Sample.RepoFile("src", "Conferencing.Server", "bin", configuration, "net10.0", "Conferencing.Server.dll");
        var url = new Uri($"http://127.0.0.1:{FreeTcpPort()}");
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = workFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var environment = new Dictionary<string, string?>
        {
            // Development: production marks the sign-in cookie Secure, which this plain-http client would not send back.
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Urls"] = url.ToString().TrimEnd('/'),
            ["Demo:Enabled"] = "false",
            ["Demo:SimulateRooms"] = "false",
            ["RoomControl:SimulateDevices"] = "false",
            ["Bootstrap:AdminUsername"] = "admin",
            ["Bootstrap:AdminPassword"] = ConferencingFactory.AdminPassword,
            ["Sip:Listen"] = "127.0.0.1:0",
            ["Relay:Sip"] = "127.0.0.1:0",
            ["Relay:MediaAddress"] = "127.0.0.1",
            ["Relay:MediaPorts"] = "0",
            ["Cluster:SiloPort"] = "0",
            ["Cluster:NodeName"] = name,
            ["Serilog:MinimumLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = new Process { StartInfo = start };
        var server = new ServerProcess(name, process, url, output);
        process.OutputDataReceived += (_, e) => server.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => server.OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.SignInAsync().ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return server;
    }

    /// <summary>Ends the process at once (SIGKILL), as a power cut or <c>kill -9</c> does.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TaskTimeouts.Default).ConfigureAwait(false);
        }
    }

    /// <summary>The server's <c>/health</c> answer, or null while it does not answer.</summary>
    public async Task<JsonElement?> HealthAsync()
    {
        try
        {
            using var response = await Admin.GetAsync(new Uri("/health", UriKind.Relative)).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            return await response.Content.ReadFromJsonAsync<JsonElement>().ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException or TaskCanceledException or JsonException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync().ConfigureAwait(false);
        Admin?.Dispose();
        try
        {
            _output.WriteLine($"---- server {Name} log ----\n{Log}");
        }
        catch (InvalidOperationException)
        {
            // The test already ended.
        }

        _process.Dispose();
    }

    private async Task SignInAsync()
    {
        Admin = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false }) { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(30) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"server {Name} exited with {_process.ExitCode}:\n{Log}");
            }

            try
            {
                using var response = await Admin.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = ConferencingFactory.AdminPassword }).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"server {Name} did not let the administrator sign in:\n{Log}");
            }

            await Task.Delay(250).ConfigureAwait(false);
        }
    }

    private void OnLine(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }

    private static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
