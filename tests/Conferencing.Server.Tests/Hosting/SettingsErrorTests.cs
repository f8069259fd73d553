using System.Diagnostics;
using Conferencing.Server.Tests.Infrastructure;

namespace Conferencing.Server.Tests.Hosting;

/// <summary>
/// A refused setting stops a process with one line per setting (its name, its value, what is
/// allowed) and exit code 2, never a stack trace: the server's, the standalone relay's and the room
/// agent's own builds, started as an operator starts them. A "variable" that starts with -- is a flag.
/// </summary>
public sealed class SettingsErrorTests
{
    public static TheoryData<string, string, string, string[]> RefusedSettings => new()
    {
        { "Conferencing.Server.dll", "Sip__Listen", "not-an-address", ["Sip:Listen", "'not-an-address'", "address:port"] },
        { "Conferencing.Server.dll", "Relaying__VideoKbps", "5", ["Relaying:VideoKbps", "between 64 and 20000", "it is 5"] },
        { "Conferencing.Server.dll", "Room__QrRotation", "00:00:01", ["Room:QrRotation", "at least 5 seconds", "00:00:01"] },
        { "Conferencing.Server.dll", "Sip__KeepaliveInterval", "soon", ["Sip:KeepaliveInterval", "a duration", "soon"] },
        { "Conferencing.Server.dll", "Store__ConnectionString", "Password=secret-1234", ["Store:ConnectionString", "neither a SQLite file"] },
        { "Conferencing.Server.dll", "Cluster__Mode", "Kubernetes", ["Cluster:Mode", "'Kubernetes'", "Single", "Postgres"] },
        { "Conferencing.Server.dll", "Cluster__SiloPort", TakenPort.Value, ["Cluster:SiloPort " + TakenPort.Value, "taken"] },
        { "Conferencing.Relay.dll", "Relay__ApiKey", "short", ["Relay:ApiKey", "at least 16 characters", "it has 5"] },
        { "Conferencing.Relay.dll", "Relay__MediaPorts", "7-9", ["Relay:MediaPorts", "'7-9'", "first-last"] },
        { "Conferencing.Relay.dll", "--key", "short", ["Relay:ApiKey", "at least 16 characters", "it has 5"] },
        { "Conferencing.Relay.dll", "--config", "/nonexistent/relay.json", ["--config", "'/nonexistent/relay.json'", "no file"] },
        { "Conferencing.Server.dll", "--config", "missing.json", ["--config", "'missing.json'", "no file"] },
        { "Conferencing.RoomAgent.dll", "CONFERENCING_AGENT_Agent__ServerUrl", "ftp://hoinghi", ["Agent:ServerUrl", "'ftp://hoinghi'", "http:// or https://"] },
        { "Conferencing.RoomAgent.dll", "CONFERENCING_AGENT_Agent__PollInterval", "00:00:00.2", ["Agent:PollInterval", "at least 00:00:01", "00:00:00.2"] },
        { "Conferencing.RoomAgent.dll", "CONFERENCING_AGENT_Agent__MaxBackoff", "soon", ["Agent:MaxBackoff", "a duration", "'soon'"] },
        { "Conferencing.RoomAgent.dll", "CONFERENCING_AGENT_CONFIG", "/nonexistent/agent.json", ["--config", "'/nonexistent/agent.json'", "no file"] },
    };

    /// <summary>A port held by this test process for its whole run, so a server asked to use it finds it taken.</summary>
    private static readonly System.Net.Sockets.TcpListener PortHolder = new(System.Net.IPAddress.Loopback, 0);

    private static readonly Lazy<string> TakenPort = new(() =>
    {
        PortHolder.Start();
        return ((System.Net.IPEndPoint)PortHolder.LocalEndpoint!).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    });


    [Theory]
    [MemberData(nameof(RefusedSettings))]
    public async Task ARefusedSettingIsOneLineAndExitCodeTwo(string program, string variable, string value, string[] mentions)
    {
        var work = Directory.CreateTempSubdirectory("conferencing-settings-");
        try
        {
            // A room agent's file that is right in itself, so only the setting under test is refused.
            var agentFile = Path.Combine(work.FullName, "agent.json");
            await File.WriteAllTextAsync(agentFile, """{ "Agent": { "ServerUrl": "http://127.0.0.1:9", "AgentKey": "a-room-key", "Devices": [] } }""").DefaultTimeout();
            var flag = variable.StartsWith("--", StringComparison.Ordinal);
            var start = new ProcessStartInfo("dotnet")
            {
                ArgumentList = { Path.Combine(AppContext.BaseDirectory, program), "--urls", "http://127.0.0.1:0" },
                WorkingDirectory = work.FullName,
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                Environment =
                {
                    // Development: production's own required settings would be refused beside the one under test.
                    ["DOTNET_ENVIRONMENT"] = "Development",
                    ["ASPNETCORE_ENVIRONMENT"] = "Development",
                    ["Demo__Enabled"] = "false",
                    ["Sip__Listen"] = variable == "Sip__Listen" ? value : "127.0.0.1:0",
                    ["Relay__Sip"] = "127.0.0.1:0",
                    ["Relay__Http"] = "127.0.0.1:0",
                    ["Cluster__SiloPort"] = variable == "Cluster__SiloPort" ? value : "0",
                    ["Relay__ApiKey"] = variable == "Relay__ApiKey" ? value : "a-key-long-enough-for-the-relay",
                    ["CONFERENCING_AGENT_CONFIG"] = agentFile,
                },
            };
            if (flag)
            {
                start.ArgumentList.Add(variable);
                start.ArgumentList.Add(value);
            }
            else
            {
                start.Environment[variable] = value;
            }

            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            using (var timeout = new CancellationTokenSource(TaskTimeouts.Default))
            {
                try
                {
                    await process.WaitForExitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                    Assert.Fail($"{program} with {variable}={value} did not stop: {await stdout.DefaultTimeout()}");
                }
            }

            var errors = (await stderr.DefaultTimeout()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var output = await stdout.DefaultTimeout();
            Assert.True(process.ExitCode == 2, $"exit {process.ExitCode}; stderr: {string.Join(" | ", errors)}; stdout: {output}");
            var line = Assert.Single(errors);
            Assert.All(mentions, m => Assert.Contains(m, line, StringComparison.Ordinal));
            Assert.DoesNotContain("   at ", output + line, StringComparison.Ordinal);
            Assert.DoesNotContain("secret-1234", output + line, StringComparison.Ordinal);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }
}
