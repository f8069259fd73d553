using System.Net;
using System.Text.RegularExpressions;
using Conferencing.Relay.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Conferencing.Relay.Tests.Sip;

/// <summary>An open meeting's dial-in list replaced while it runs, against real sipp room systems.</summary>
public sealed partial class DialInListTests(ITestOutputHelper output)
{
    private static readonly TimeSpan SippTimeout = TimeSpan.FromSeconds(60);
    private const string Number = "2025";
    private const string Pin = "1676";

    private static Dictionary<string, string> List(params (string User, string Password)[] entries) =>
        entries.ToDictionary(e => e.User, e => e.Password, StringComparer.Ordinal);

    private static Task<Sipp.Result> RefusedAsync(RelayNode node, string user, string password) =>
        Sipp.RunAsync("relay-uac-refused.xml", (IPEndPoint)node.SipEndPoint.Address, Sipp.FreeUdpPort(), SippTimeout, null,
            "-s", $"{Number}*{Pin}", "-au", user, "-ap", password, "-key", "offer_audio", "0");

    [Fact]
    public async Task AnAddedRoomDialsInARemovedOneIsToldItIsNotInvitedAndAChangedPasswordTakesOverAtOnce()
    {
        await using var node = await RelayFactory.StartAsync(output);
        await using var events = EventLog.Start(node);
        await node.OpenMeetingAsync(new OpenMeetingRequest(Number, Pin, null, List(("xa-lam-thao", "mat-khau-1")))).DefaultTimeout();

        // Added while the meeting is open: Hạ Hòa calls in and is answered.
        await node.SetDialInAsync(Number, List(("xa-lam-thao", "mat-khau-1"), ("xa-ha-hoa", "mat-khau-ha-hoa"))).DefaultTimeout();
        Assert.Equal(["xa-ha-hoa", "xa-lam-thao"], (await node.GetMeetingAsync(Number).DefaultTimeout()).DialInUsers);
        string media = await TestMedia.DirectoryAsync().DefaultTimeout();
        Task<Sipp.Result> call = Sipp.RunAsync("relay-central-uac.xml", (IPEndPoint)node.SipEndPoint.Address, Sipp.FreeUdpPort(), SippTimeout, media,
            "-s", $"{Number}*{Pin}", "-au", "xa-ha-hoa", "-ap", "mat-khau-ha-hoa", "-d", "50000");
        LegEvent answered = await events.WaitForLeg("xa-ha-hoa", LegEventKind.Answered);
        Assert.Equal(("xa-ha-hoa", LegDirection.Incoming), (answered.Leg.AuthenticatedUser, answered.Leg.Direction));

        // Removed: the call already up is the controller's to end, not the list's; a new call is refused 403.
        await node.SetDialInAsync(Number, List(("xa-lam-thao", "mat-khau-1"))).DefaultTimeout();
        RelayMeetingInfo meeting = await node.GetMeetingAsync(Number).DefaultTimeout();
        Assert.Equal(["xa-lam-thao"], meeting.DialInUsers);
        Assert.Equal(LegState.Connected, meeting.Legs.Single(l => l.LegId == "xa-ha-hoa").State);
        Sipp.Result removed = await RefusedAsync(node, "xa-ha-hoa", "mat-khau-ha-hoa").DefaultTimeout();
        Assert.True(removed.ExitCode == 0, removed.ToString());
        Assert.Contains("SIP/2.0 403 Not invited", removed.Messages, StringComparison.Ordinal);

        await node.HangUpAsync(Number, "xa-ha-hoa").DefaultTimeout();
        Sipp.Result first = await call.DefaultTimeout();
        Assert.Contains("SIP/2.0 200 ", first.Messages, StringComparison.Ordinal);

        // A new password replaces the old one at once: the old one gets a second challenge, the new one is answered.
        await node.SetDialInAsync(Number, List(("xa-lam-thao", "mat-khau-2"))).DefaultTimeout();
        Sipp.Result old = await RefusedAsync(node, "xa-lam-thao", "mat-khau-1").DefaultTimeout();
        Assert.True(old.ExitCode == 0, old.ToString());
        Assert.Equal(2, Challenges().Matches(old.Messages).Count);
        Sipp.Result renewed = await Sipp.RunAsync("relay-central-uac.xml", (IPEndPoint)node.SipEndPoint.Address, Sipp.FreeUdpPort(), SippTimeout, media,
            "-s", $"{Number}*{Pin}", "-au", "xa-lam-thao", "-ap", "mat-khau-2", "-d", "500").DefaultTimeout();
        Assert.True(renewed.ExitCode == 0, renewed.ToString());
        Assert.Contains(events.Events.OfType<LegEvent>(), e => e.LegId == "xa-lam-thao" && e.Kind == LegEventKind.Answered);
    }

    [Fact]
    public async Task ABadListIsRefusedAndTheMeetingKeepsItsOwn()
    {
        await using var node = await RelayFactory.StartAsync(output);
        await node.OpenMeetingAsync(new OpenMeetingRequest(Number, Pin, null, List(("xa-lam-thao", "mat-khau")))).DefaultTimeout();

        RelayException invalid = await Assert.ThrowsAsync<RelayException>(() => node.SetDialInAsync(Number, List(("xa-ha-hoa", "mat-khau"), (" ", "x")))).DefaultTimeout();
        Assert.Equal((RelayErrorKind.Invalid, "validation"), (invalid.Kind, invalid.Code));
        Assert.Equal(["dialIn"], invalid.Errors.Keys);
        RelayException missing = await Assert.ThrowsAsync<RelayException>(() => node.SetDialInAsync("9999", List(("xa-ha-hoa", "mat-khau")))).DefaultTimeout();
        Assert.Equal((RelayErrorKind.NotFound, "relay.meeting-not-found"), (missing.Kind, missing.Code));
        Assert.Equal(["xa-lam-thao"], (await node.GetMeetingAsync(Number).DefaultTimeout()).DialInUsers);

        // An empty list is a list: nobody may dial in.
        await node.SetDialInAsync(Number, List()).DefaultTimeout();
        Assert.Empty((await node.GetMeetingAsync(Number).DefaultTimeout()).DialInUsers!);
    }

    [GeneratedRegex("^SIP/2.0 401 ", RegexOptions.Multiline)]
    private static partial Regex Challenges();
}
