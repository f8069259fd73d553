using Conferencing.Devices.Cec;

namespace Conferencing.Devices.Tests.Cec;

/// <summary>
/// cec-client is libcec's tool, not ours, and there is no HDMI bus here: a small script stands in for it,
/// printing what cec-client prints, and records the arguments and command it was given.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CecClientTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fake-cec-").FullName;

    private string Fake(string body)
    {
        var path = Path.Combine(_dir, "cec-client");
        File.WriteAllText(path, "#!/bin/sh\nread cmd\necho \"$* | $cmd\" >> " + Path.Combine(_dir, "log") + "\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private string[] Log() => File.ReadAllLines(Path.Combine(_dir, "log"));

    private const string Opening = "echo 'opening a connection to the CEC adapter...'";

    [Fact]
    public async Task PowerOnStandbyAndActiveSourceAreSingleCommandRuns()
    {
        var cec = new CecClient(Fake(Opening));
        await cec.PowerOnAsync(default).DefaultTimeout();
        await cec.StandbyAsync(default).DefaultTimeout();
        await cec.ActiveSourceAsync(default).DefaultTimeout();
        Assert.Equal(["-s -d 1 | on 0", "-s -d 1 | standby 0", "-s -d 1 | as"], Log());
    }

    [Theory]
    [InlineData("on", CecPower.On)]
    [InlineData("standby", CecPower.Standby)]
    [InlineData("in transition from standby to on", CecPower.TransitionToOn)]
    [InlineData("unknown", CecPower.Unknown)]
    public async Task PowerStatusIsReadFromItsOutput(string printed, CecPower expected)
    {
        var cec = new CecClient(Fake(Opening + $"\necho 'power status: {printed}'"));
        Assert.Equal(expected, await cec.GetPowerAsync(default).DefaultTimeout());
        Assert.Equal(["-s -d 1 | pow 0"], Log());
    }

    [Fact]
    public async Task NoAdapterIsUnreachable()
    {
        var cec = new CecClient(Fake(Opening + "\necho 'autodetect FAILED'\nexit 1"));
        var error = await Assert.ThrowsAsync<DeviceException>(() => cec.PowerOnAsync(default)).DefaultTimeout();
        Assert.Equal(DeviceFailure.Unreachable, error.Failure);
    }

    [Fact]
    public async Task AHangingCecClientIsKilledAtTheTimeout()
    {
        var cec = new CecClient(Fake("exec sleep 60"), timeout: TimeSpan.FromMilliseconds(500));
        var error = await Assert.ThrowsAsync<DeviceException>(() => cec.PowerOnAsync(default)).DefaultTimeout();
        Assert.Equal(DeviceFailure.Unreachable, error.Failure);
        Assert.Contains("did not finish", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMissingCecClientIsUnreachableWithTheDebianPackageNamed()
    {
        var cec = new CecClient(Path.Combine(_dir, "no-such-cec-client"));
        var error = await Assert.ThrowsAsync<DeviceException>(() => cec.PowerOnAsync(default)).DefaultTimeout();
        Assert.Equal(DeviceFailure.Unreachable, error.Failure);
        Assert.Contains("cec-utils", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANonZeroExitIsADeviceError()
    {
        var cec = new CecClient(Fake("echo 'ERROR: command failed' >&2\nexit 2"));
        var error = await Assert.ThrowsAsync<DeviceException>(() => cec.StandbyAsync(default)).DefaultTimeout();
        Assert.Equal(DeviceFailure.DeviceError, error.Failure);
        Assert.Contains("command failed", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
