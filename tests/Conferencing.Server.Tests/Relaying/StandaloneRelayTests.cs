using System.Diagnostics;
using System.Net.Http.Json;
using Conferencing.Server.Relaying;
using Conferencing.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Conferencing.Server.Tests.Relaying;

/// <summary>
/// A district relay as its own process (the old three-level shape: Huyện Lâm Thao serves Xã Lâm
/// Thao), cascaded under the server's in-process relay, controlled over its HTTP API with a key.
/// </summary>
[Collection(RealTimeCollection.Name)]
public sealed class StandaloneRelayTests(ITestOutputHelper output) : RelayTestBase(output)
{
    private const string DistrictUser = "huyen-lam-thao";
    private const string DistrictPassword = "mat-khau-huyen-lam-thao";

    [Fact]
    public async Task ADistrictRelayCarriesItsCommunesAndIsRedialledWithinTenSecondsWhenItsProcessComesBack()
    {
        RelayProcess? relay = await StartDistrictAsync();
        try
        {
            var relayId = await RegisterRelayAsync(relay, "PT-H-LT", DistrictUser, DistrictPassword);
            var (_, host) = await SimulatedRoomAsync("PT");
            var (_, hyCuong) = await SimulatedRoomAsync("PT-X-HC");
            var (_, lamThao) = await SimulatedRoomAsync("PT-X-LT");
            await Until(async () => (await RelayAsync(relayId)).GetProperty("health").GetString() == "Up", "the district relay to be up");

            var meeting = await ScheduleAsync("ProvinceHosted", "PT", ["PT", "PT-X-HC", "PT-X-LT"]);
            await CommandAsync(meeting, "start");
            var live = await WaitForCallsAsync(meeting, c => c.Endpoints.All(e => e.State == CallState.InCall) && c.Relays.All(r => r.Link == CallState.InCall), "every site in the call through both relays");

            // The cascade follows the site tree: Lâm Thao is called by its district's relay, linked under the province's.
            Assert.Equal(["tinh-phu-tho", "huyen-lam-thao"], live.Relays.Select(r => r.Relay));
            Assert.Equal("tinh-phu-tho", live.Relays[1].Parent);
            Assert.Equal("huyen-lam-thao", live.Endpoints.Single(e => e.SiteCode == "PT-X-LT").Relay);
            Assert.Equal("tinh-phu-tho", live.Endpoints.Single(e => e.SiteCode == "PT-X-HC").Relay);

            // The floor to the commune under the district: its picture goes up one relay and down to every room.
            await CommandAsync(meeting, "floor", new { siteCode = "PT-X-LT" });
            await Until(() => PictureAt(host) == "pt-x-lt" && PictureAt(hyCuong) == "pt-x-lt" && PictureAt(lamThao) == "pt", "Lâm Thao's picture everywhere, the host's at Lâm Thao",
                detail: () => DescribePictures([host, hyCuong, lamThao]));

            // The district relay's process dies in the middle of the meeting, and its host brings it back on the same ports.
            var (sip, http, key) = (relay.Sip.ToString(), relay.Http.Authority, relay.Key);
            await relay.DisposeAsync();
            relay = null;
            await WaitForCallsAsync(meeting, c => c.Endpoints.Single(e => e.SiteCode == "PT-X-LT").State != CallState.InCall, "Lâm Thao's call to be seen lost");
            Assert.Equal("Down", (await RelayAsync(relayId)).GetProperty("health").GetString());
            relay = await RelayProcess.StartWithArgumentsAsync("huyen-lam-thao", Output,
                ["--name", "huyen-lam-thao", "--sip", sip, "--http", http, "--key", key, "--media-address", "127.0.0.1", "--media-ports", "0", "--digest", "MD5",
                 "--sip-user", DistrictUser, "--sip-password", DistrictPassword]);
            var back = Stopwatch.StartNew();
            var backUtc = DateTimeOffset.UtcNow;
            await WaitForCallsAsync(meeting, c => c.Endpoints.Single(e => e.SiteCode == "PT-X-LT") is { State: CallState.InCall } e && e.ConnectedUtc > backUtc
                && c.Relays[1].Link == CallState.InCall, "Lâm Thao to be dialled again");
            Output.WriteLine($"Lâm Thao back in the call {back.Elapsed.TotalSeconds:0.0} s after its relay came back");
            Assert.True(back.Elapsed < TimeSpan.FromSeconds(10), $"redialled after {back.Elapsed.TotalSeconds:0.0} s");

            // The floor is still Lâm Thao's, so its picture is the program again.
            await Until(() => PictureAt(hyCuong) == "pt-x-lt" && Video(hyCuong).SourceChanges >= 1 && PictureAt(host) == "pt-x-lt", "Lâm Thao's picture again",
                detail: () => DescribePictures([host, hyCuong, lamThao]));

            // Lâm Thao still holds the call the dead relay never hung up (a room drops it when its own timers say so); the new one ends.
            var lamThaoCalls = lamThao.ActiveCalls;
            await CommandAsync(meeting, "end");
            await Until(() => host.ActiveCalls == 0 && hyCuong.ActiveCalls == 0 && lamThao.ActiveCalls == lamThaoCalls - 1, "every room to be hung up",
                detail: () => $"{host.ActiveCalls} {hyCuong.ActiveCalls} {lamThao.ActiveCalls} of {lamThaoCalls}");
            using var control = new HttpClient { BaseAddress = relay.Http };
            Assert.Empty(await new Conferencing.Relay.Http.RelayHttpClient(control, key).ListMeetingsAsync().DefaultTimeout());
        }
        finally
        {
            if (relay is not null)
            {
                await relay.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ARelayThatRefusesTheServersKeyIsShownUnauthorizedAndServesOnceTheKeyIsRight()
    {
        await using var relay = await StartDistrictAsync();
        var relayId = await RegisterRelayAsync(relay, "PT-H-LT", DistrictUser, DistrictPassword, apiKey: "not-the-district-relays-key");
        var (_, lamThao) = await SimulatedRoomAsync("PT-X-LT");

        // The relay itself answers a wrong key with 401.
        using (var direct = new HttpClient { BaseAddress = relay.Http })
        {
            direct.DefaultRequestHeaders.Authorization = new("Bearer", "not-the-district-relays-key");
            var refused = await direct.GetAsync(new Uri("v1/meetings", UriKind.Relative)).DefaultTimeout();
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        await Until(async () => (await RelayAsync(relayId)).GetProperty("health").GetString() == "Unauthorized", "the relay to be shown unauthorized");
        var shown = await RelayAsync(relayId);
        Assert.Contains("key", shown.GetProperty("error").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.False(shown.TryGetProperty("apiKey", out _));

        var meeting = await ScheduleAsync("CommuneLevel", "PT-H-LT", ["PT-H-LT", "PT-X-LT"]);
        await CommandAsync(meeting, "start");
        var waiting = await WaitForCallsAsync(meeting, c => c.Endpoints.Count == 1 && c.Endpoints[0].Reason?.Contains("refuses the server's key", StringComparison.Ordinal) == true,
            "Lâm Thao to wait for its relay");
        Assert.Equal(CallState.Waiting, waiting.Endpoints[0].State);
        Assert.Empty(await relay.Client.ListMeetingsAsync().DefaultTimeout());

        // The administrator corrects the key: the relay comes up and the commune is called at once.
        var corrected = await Admin.PutAsJsonAsync($"/api/relays/{relayId}", new { apiKey = relay.Key }, Json).DefaultTimeout();
        Assert.Equal(System.Net.HttpStatusCode.OK, corrected.StatusCode);
        await WaitForCallsAsync(meeting, c => c.Endpoints[0].State == CallState.InCall, "Lâm Thao in the call");
        Assert.Equal(1, lamThao.ActiveCalls);
        Assert.Equal("Up", (await RelayAsync(relayId)).GetProperty("health").GetString());
    }

    private Task<RelayProcess> StartDistrictAsync() =>
        RelayProcess.StartAsync("huyen-lam-thao", Output, "--sip-user", DistrictUser, "--sip-password", DistrictPassword).DefaultTimeout();
}
