using System.Net;
using Conferencing.Server.Meetings;
using Conferencing.Server.Relaying;
using Conferencing.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Conferencing.Server.Tests.Relaying;

/// <summary>A room system that calls the meeting itself, as the invitation tells it: number*PIN at the province relay.</summary>
[Collection(RealTimeCollection.Name)]
public sealed class DialInTests(ITestOutputHelper output) : RelayTestBase(output)
{
    private const string User = "xa-doan-hung";
    private const string Password = "mat-khau-doan-hung";

    [Fact]
    public async Task ARoomSystemDialsInWithTheMeetingNumberAndPinAndAWrongPinIsRefused()
    {
        var media = await TestMedia.DirectoryAsync().DefaultTimeout();
        var (_, host) = await SimulatedRoomAsync("PT");
        var sippPort = Sipp.FreeUdpPort();
        await CreateEndpointAsync("PT-X-DH", $"sip:{User}@127.0.0.1:{sippPort}", User, Password);
        var meeting = await ScheduleAsync("ProvinceHosted", "PT", ["PT", "PT-X-DH"]);
        await CommandAsync(meeting, "prepare");
        var prepared = await WaitForCallsAsync(meeting, c => c.Relays[0].MeetingOpen, "the relay to open the meeting");
        Assert.Matches("^[0-9]+$", prepared.Number);
        var relay = IPEndPoint.Parse(prepared.DialInAddress);

        // The right user and password with a wrong PIN: 403, and nothing joins.
        var wrongPin = new string([.. prepared.Pin.Select(c => c == '9' ? '0' : (char)(c + 1))]);
        var refused = await Sipp.RunAsync("relay-uac-refused.xml", relay, Sipp.FreeUdpPort(), TimeSpan.FromSeconds(30), null,
            "-s", $"{prepared.Number}*{wrongPin}", "-au", User, "-ap", Password, "-key", "offer_audio", "0").WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(refused.ExitCode == 0, refused.ToString());
        Assert.Contains("SIP/2.0 403 ", refused.Messages, StringComparison.Ordinal);
        Assert.Equal(CallState.Waiting, Live.Get(meeting)!.Endpoints.Single(e => e.SiteCode == "PT-X-DH").State);

        // The right PIN while the meeting prepares: in the call before it starts, and not dialled once it does.
        var dialIn = Sipp.RunAsync("relay-central-uac.xml", relay, sippPort, TimeSpan.FromSeconds(120), media,
            "-s", $"{prepared.Number}*{prepared.Pin}", "-au", User, "-ap", Password, "-d", "90000");
        await WaitForCallsAsync(meeting, c => c.Endpoints.Single(e => e.SiteCode == "PT-X-DH") is { State: CallState.InCall, DialedIn: true }, "Đoan Hùng to dial in");
        await CommandAsync(meeting, "start");
        var live = await WaitForCallsAsync(meeting, c => c.Status == MeetingStatus.Live && c.Endpoints.All(e => e.State == CallState.InCall), "both sites in the call");
        Assert.Equal(0, live.Endpoints.Single(e => e.SiteCode == "PT-X-DH").Attempts);

        // A site that called in takes the floor like any other.
        await CommandAsync(meeting, "floor", new { siteCode = "PT-X-DH" });
        var central = "csrc:" + TestMedia.CentralTag.ToString("X8", System.Globalization.CultureInfo.InvariantCulture);
        await Until(() => PictureAt(host) == central, "the host to see Đoan Hùng's picture", detail: () => DescribePictures([host]));

        // Ending hangs up the call it did not place: the relay's BYE ends sipp's 90-second pause early.
        await CommandAsync(meeting, "end");
        var result = await dialIn.DefaultTimeout();
        Assert.Contains("BYE sip:", result.Messages, StringComparison.Ordinal);
        Assert.DoesNotContain("CSeq: 3 BYE", result.Messages, StringComparison.Ordinal);
    }
}
