using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Conferencing.Server.Tests.Infrastructure;

namespace Conferencing.Server.Tests.Hosting;

/// <summary>
/// The README's run command, as a newcomer meets it: the real server process started in an empty
/// directory seeds the demo province, prints how to sign in, and keeps its data under ./data.
/// </summary>
public sealed partial class FirstRunTests
{
    [Fact]
    public async Task TheFirstRunSeedsTheDemoProvinceAndPrintsHowToSignIn()
    {
        var directory = Directory.CreateTempSubdirectory("conferencing-first-run");
        var port = FreePort();
        var url = $"http://127.0.0.1:{port}";
        using var server = StartServer(directory.FullName, url);
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var password = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            output.Enqueue(e.Data);
            if (PasswordLine().Match(e.Data) is { Success: true } match)
            {
                password.TrySetResult(match.Groups[1].Value);
            }
        };
        server.ErrorDataReceived += (_, e) => output.Enqueue(e.Data ?? "");
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        try
        {
            var secret = await password.Task.WaitAsync(TimeSpan.FromSeconds(90));
            using var handler = new HttpClientHandler { UseCookies = true };
            using var client = new HttpClient(handler) { BaseAddress = new Uri(url) };
            await WaitForHealthAsync(client);

            var login = await client.PostAsJsonAsync("/api/auth/login", new { username = "vanphong", password = secret }).DefaultTimeout();
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
            var sites = await client.GetFromJsonAsync<JsonElement>("/api/sites").DefaultTimeout();
            var levels = sites.EnumerateArray().GroupBy(s => s.GetProperty("level").GetString()).ToDictionary(g => g.Key!, g => g.Count());
            Assert.Equal(1, levels["Province"]);
            Assert.Equal(16, levels["Department"]);
            Assert.Equal(148, levels["Commune"]);
            var meetings = await client.GetFromJsonAsync<JsonElement>("/api/meetings").DefaultTimeout();
            Assert.Equal(3, meetings.GetArrayLength());
            var found = await client.GetFromJsonAsync<JsonElement>("/api/sites?q=pa%20co").DefaultTimeout();
            Assert.Contains(found.EnumerateArray(), s => s.GetProperty("name").GetString() == "Xã Pà Cò");

            Assert.True(File.Exists(Path.Combine(directory.FullName, "data", "conferencing.db")));
            Assert.True(Directory.Exists(Path.Combine(directory.FullName, "logs")));
        }
        catch (Exception e) when (e is TimeoutException or Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException("Server output:\n" + string.Join('\n', output), e);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    private static Process StartServer(string workingDirectory, string url)
    {
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        var dll = Sample.RepoFile("src", "Conferencing.Server", "bin", configuration, "net10.0", "Conferencing.Server.dll");
        Assert.True(File.Exists(dll), $"{dll} is not built");
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Urls"] = url;
        start.Environment["Sip__Listen"] = "127.0.0.1:0";
        start.Environment["Cluster__SiloPort"] = "0";
        start.Environment["Relay__Sip"] = "127.0.0.1:0";
        start.Environment["Relay__MediaPorts"] = "0";
        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
    }

    private static async Task WaitForHealthAsync(HttpClient client)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                if ((await client.GetAsync(new Uri("/health", UriKind.Relative))).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The server did not become healthy.");
            }

            await Task.Delay(200);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"password for all three:\s+(\S+)")]
    private static partial Regex PasswordLine();
}
