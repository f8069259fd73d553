using Conferencing.Relay.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Conferencing.Relay.Tests.Cascade;

/// <summary>A dial-in URI carries the meeting's PIN; no relay log line may.</summary>
public sealed class PinLoggingTests(ITestOutputHelper output)
{
    private const string Number = "2031";
    private const string Pin = "73019458";
    private const string WrongPin = "58204617";

    [Fact]
    public async Task ARelayDiallingItsParentWithNumberStarPinLogsTheCallWithoutThePin()
    {
        await using var province = await RelayProcess.StartAsync("tinh-phu-tho", output, "--sip-user", "tinh-phu-tho", "--sip-password", "mat-khau-tinh");
        await using var district = await RelayProcess.StartAsync("huyen-ha-hoa", output);
        await province.Client.OpenMeetingAsync(new OpenMeetingRequest(Number, Pin, null, new Dictionary<string, string>())).DefaultTimeout();
        await district.Client.OpenMeetingAsync(new OpenMeetingRequest(Number, Pin, null, new Dictionary<string, string> { ["tinh-phu-tho"] = "mat-khau-tinh" })).DefaultTimeout();
        await using var events = EventLog.Start(province.Client);

        // The right PIN connects; a wrong one is refused (403) and logged as refused.
        await province.Client.DialAsync(Number, new DialRequest(district.SipUri($"{Number}*{Pin}"), "huyen-ha-hoa", LegRole.ChildRelay)).DefaultTimeout();
        await events.WaitForLeg("huyen-ha-hoa", LegEventKind.Answered);
        await province.Client.DialAsync(Number, new DialRequest(district.SipUri($"{Number}**{WrongPin}"), "huyen-ha-hoa-2", LegRole.ChildRelay)).DefaultTimeout();
        await events.WaitForLeg("huyen-ha-hoa-2", LegEventKind.Failed);

        var logs = province.Log + district.Log;
        Assert.Contains("dialing leg huyen-ha-hoa at sip:" + Number + "*[pin]@", logs, StringComparison.Ordinal);
        Assert.Contains("wrong PIN", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(Pin, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(WrongPin, logs, StringComparison.Ordinal);
    }
}
