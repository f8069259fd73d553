using System.Diagnostics;
using System.Text.RegularExpressions;
using Conferencing.Server.Tests.Infrastructure;

namespace Conferencing.Server.Tests.Room;

/// <summary><c>rotate-room-key</c> as an operator runs it: the built server, its own store in a fresh folder.</summary>
public sealed partial class RoomKeyCommandTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("conferencing-roomkey");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public async Task EachRunMakesANewKeyCurrentAndRetiresTheOneBefore()
    {
        var (code, output, error) = await RunAsync("rotate-room-key");
        Assert.True(code == 0, error);
        var first = Rotated().Match(output);
        Assert.True(first.Success, output);

        (code, output, error) = await RunAsync("rotate-room-key");
        Assert.True(code == 0, error);
        var second = Rotated().Match(output);
        Assert.True(second.Success, output);
        Assert.NotEqual(first.Groups[1].Value, second.Groups[1].Value);
        Assert.Equal(first.Groups[1].Value, second.Groups[2].Value);

        (code, _, error) = await RunAsync("rotate-room-key", "now");
        Assert.Equal(2, code);
        Assert.Contains("usage", error, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"Room key (k[0-9a-f]{12}) is current; key (\S+) is retired")]
    private static partial Regex Rotated();

    private async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
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
        start.Environment["Demo__Enabled"] = "false";
        start.Environment["Sip__Listen"] = "127.0.0.1:0";
        start.Environment["Cluster__SiloPort"] = "0";
        start.Environment["Relay__Sip"] = "127.0.0.1:0";
        start.Environment["Relay__MediaPorts"] = "0";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        return (process.ExitCode, await output.DefaultTimeout(), await error.DefaultTimeout());
    }
}
