using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conferencing.Server.Hosting;
using Conferencing.Server.Tests.Infrastructure;

namespace Conferencing.Server.Tests.Hosting;

/// <summary>
/// The one-time commands as an operator runs them: the built server with <c>create-admin</c>, in
/// Development with the demo on (as <c>dotnet run</c> has it).
/// </summary>
public sealed class SetupCommandTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("conferencing-setup");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public async Task APasswordOnTheCommandLineIsRefusedAndCreatesNoAccount()
    {
        var (code, _, error) = await RunAsync(null, "create-admin", "quantri", "--password", "mat-khau-trong-lich-su");
        Assert.Equal(2, code);
        Assert.Contains(CommandLine.PasswordVariable, error, StringComparison.Ordinal);
        Assert.Empty(await UsersAsync(("quantri", "mat-khau-trong-lich-su")));
    }

    [Fact]
    public async Task TheSetupCommandTakesThePasswordFromTheEnvironmentAndSeedsNoDemoAccounts()
    {
        var (code, output, error) = await RunAsync("mat-khau-tu-bien-moi-truong", "create-admin", "quantri");
        Assert.True(code == 0, error);
        Assert.DoesNotContain("mat-khau-tu-bien-moi-truong", output, StringComparison.Ordinal);
        Assert.DoesNotContain("password for all three", output, StringComparison.Ordinal);

        var users = await UsersAsync(("quantri", "mat-khau-tu-bien-moi-truong"));
        Assert.Equal(["quantri"], users);
    }

    private async Task<(int Code, string Output, string Error)> RunAsync(string? password, params string[] args)
    {
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        var dll = Sample.RepoFile("src", "Conferencing.Server", "bin", configuration, "net10.0", "Conferencing.Server.dll");
        var start = new ProcessStartInfo("dotnet", [dll, .. args])
        {
            WorkingDirectory = _folder.FullName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Demo__Enabled"] = "true";
        start.Environment["Sip__Listen"] = "127.0.0.1:0";
        start.Environment["Cluster__SiloPort"] = "0";
        start.Environment["Relay__Sip"] = "127.0.0.1:0";
        start.Environment["Relay__MediaPorts"] = "0";
        start.Environment[CommandLine.PasswordVariable] = password;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        return (process.ExitCode, await output.DefaultTimeout(), await error.DefaultTimeout());
    }

    /// <summary>The accounts in the command's store, read through the API by the given account; empty when it cannot sign in.</summary>
    private async Task<string[]> UsersAsync((string Username, string Password) account)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Store:ConnectionString"] = $"Data Source={Path.Combine(_folder.FullName, "data", "conferencing.db")}",
            ["Security:KeyFile"] = Path.Combine(_folder.FullName, "data", "data-protection.kek"),
            ["Bootstrap:AdminUsername"] = "",
        };
        await using var factory = new ConferencingFactory(TestDatabase.Sqlite(), settings: settings);
        using var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { HandleCookies = true });
        var login = await client.PostAsJsonAsync("/api/auth/login", new { username = account.Username, password = account.Password }).DefaultTimeout();
        if (login.StatusCode != HttpStatusCode.OK)
        {
            return [];
        }

        var users = await client.GetFromJsonAsync<JsonElement>("/api/users").DefaultTimeout();
        return [.. users.EnumerateArray().Select(u => u.GetProperty("username").GetString()!).Order(StringComparer.Ordinal)];
    }
}
