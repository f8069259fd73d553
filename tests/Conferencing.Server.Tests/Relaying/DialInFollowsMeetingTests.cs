using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conferencing.Relay;
using Conferencing.Server.Relaying;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Conferencing.Server.Tests.Relaying;

/// <summary>A meeting already open on its relay changes its sites: who may dial in changes with them.</summary>
[Collection(RealTimeCollection.Name)]
public sealed class DialInFollowsMeetingTests(ITestOutputHelper output) : RelayTestBase(output)
{
    private const string User = "xa-ha-hoa";
    private const string Password = "mat-khau-ha-hoa";

    [Fact]
    public async Task ASiteAddedWhileTheMeetingPreparesDialsInAndOnceRemovedIsHungUpAndRefused()
    {
        var media = await TestMedia.DirectoryAsync().DefaultTimeout();
        var sippPort = Sipp.FreeUdpPort();
        await CreateEndpointAsync("PT-X-DH", $"sip:{User}@127.0.0.1:{sippPort}", User, Password);
        var meeting = await ScheduleAsync("ProvinceHosted", "PT", ["PT"]);
        await CommandAsync(meeting, "prepare");
        var prepared = await WaitForCallsAsync(meeting, c => c.Relays[0].MeetingOpen, "the relay to open the meeting");
        var relay = IPEndPoint.Parse(prepared.DialInAddress);
        var node = Factory.Services.GetRequiredService<RelayNode>();
        Assert.DoesNotContain(User, (await node.GetMeetingAsync(prepared.Number).DefaultTimeout()).DialInUsers!);

        // Added to the open meeting: the relay learns the room's credentials, and its call is answered.
        await SetSitesAsync(meeting, ["PT", "PT-X-DH"]);
        await Until(async () => (await node.GetMeetingAsync(prepared.Number)).DialInUsers!.Contains(User), "the relay to let the added room in");
        var dialIn = Sipp.RunAsync("relay-central-uac.xml", relay, sippPort, TimeSpan.FromSeconds(60), media,
            "-s", $"{prepared.Number}*{prepared.Pin}", "-au", User, "-ap", Password, "-d", "50000");
        await WaitForCallsAsync(meeting, c => c.Endpoints.SingleOrDefault(e => e.SiteCode == "PT-X-DH") is { State: CallState.InCall, DialedIn: true }, "Hạ Hòa to dial in");

        // Removed: its call is hung up by the relay (the BYE ends sipp's pause early) and a new one is refused.
        await SetSitesAsync(meeting, ["PT"]);
        var first = await dialIn.DefaultTimeout();
        Assert.Contains("SIP/2.0 200 ", first.Messages, StringComparison.Ordinal);
        Assert.Contains("BYE sip:", first.Messages, StringComparison.Ordinal);
        Assert.DoesNotContain("CSeq: 3 BYE", first.Messages, StringComparison.Ordinal);
        await Until(async () => !(await node.GetMeetingAsync(prepared.Number)).DialInUsers!.Contains(User), "the relay to take the removed room off its list");
        var refused = await Sipp.RunAsync("relay-uac-refused.xml", relay, Sipp.FreeUdpPort(), TimeSpan.FromSeconds(30), null,
            "-s", $"{prepared.Number}*{prepared.Pin}", "-au", User, "-ap", Password, "-key", "offer_audio", "0").DefaultTimeout();
        Assert.True(refused.ExitCode == 0, refused.ToString());
        Assert.Contains("SIP/2.0 403 ", refused.Messages, StringComparison.Ordinal);
        Assert.DoesNotContain(Live.Get(meeting)!.Endpoints, e => e.SiteCode == "PT-X-DH");
    }

    /// <summary>Changes the meeting's sites as the secretariat's form does: the rest as it is, at its current version.</summary>
    private async Task SetSitesAsync(Guid meeting, string[] sites)
    {
        var current = await Admin.GetFromJsonAsync<JsonElement>($"/api/meetings/{meeting}", Json).DefaultTimeout();
        var response = await Admin.PutAsJsonAsync($"/api/meetings/{meeting}", new
        {
            title = current.GetProperty("title").GetString(),
            kind = current.GetProperty("kind").GetString(),
            hostSiteCode = current.GetProperty("hostSiteCode").GetString(),
            startUtc = current.GetProperty("startUtc").GetDateTimeOffset(),
            endUtc = current.GetProperty("endUtc").GetDateTimeOffset(),
            sites = new { subtrees = Array.Empty<string>(), sites },
            version = current.GetProperty("version").GetInt32(),
        }, Json).DefaultTimeout();
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync().DefaultTimeout());
    }
}
