using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Conferencing.Relay.Http;
using Conferencing.Relay.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Conferencing.Relay.Tests.Api;

/// <summary>The standalone relay's HTTP control API, run as its own process as on a district host.</summary>
public sealed class RelayApiTests(ITestOutputHelper output)
{
    [Fact]
    public async Task EveryCallWithoutTheRightKeyIsRefusedWith401Problem()
    {
        await using var relay = await RelayProcess.StartAsync("district", output);
        using var http = new HttpClient { BaseAddress = relay.Http };
        foreach (string? key in new[] { null, "wrong-key-wrong-key", relay.Key + "x" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "v1/meetings");
            if (key is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            }

            using HttpResponseMessage response = await http.SendAsync(request).DefaultTimeout();
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using JsonDocument problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("relay.unauthorized", problem.RootElement.GetProperty("code").GetString());
        }

        var wrong = new RelayHttpClient(new HttpClient { BaseAddress = relay.Http }, "not-the-key-at-all");
        RelayException error = await Assert.ThrowsAsync<RelayException>(() => wrong.ListMeetingsAsync()).DefaultTimeout();
        Assert.Equal(RelayErrorKind.Unauthorized, error.Kind);
        Assert.Equal((HttpStatusCode.OK), (await http.GetAsync("health").DefaultTimeout()).StatusCode);
    }

    [Fact]
    public async Task BadRequestsGetProblemsThatNameTheFieldAndLoseNothing()
    {
        await using var relay = await RelayProcess.StartAsync("district", output);
        var client = relay.Client;
        RelayException invalid = await Assert.ThrowsAsync<RelayException>(() => client.OpenMeetingAsync(
            new OpenMeetingRequest("12ab", "x", new MediaProfile { AudioCodec = "G729", VideoKbps = 5 }))).DefaultTimeout();
        Assert.Equal(RelayErrorKind.Invalid, invalid.Kind);
        Assert.Equal("validation", invalid.Code);
        Assert.Equal(["number", "pin", "profile.audioCodec", "profile.videoKbps"], invalid.Errors.Keys.Order());

        using var http = new HttpClient { BaseAddress = relay.Http };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", relay.Key);
        using HttpResponseMessage malformed = await http.PostAsync("v1/meetings", new StringContent("{\"number\": \"1\", \"pin\": [", Encoding.UTF8, "application/json")).DefaultTimeout();
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        using JsonDocument problem = JsonDocument.Parse(await malformed.Content.ReadAsStringAsync());
        Assert.Equal("validation", problem.RootElement.GetProperty("code").GetString());
        Assert.Contains("$.pin", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);

        RelayException missing = await Assert.ThrowsAsync<RelayException>(() => client.GetMeetingAsync("404")).DefaultTimeout();
        Assert.Equal(("relay.meeting-not-found", RelayErrorKind.NotFound), (missing.Code, missing.Kind));
        await client.OpenMeetingAsync(new OpenMeetingRequest("2025", "1676")).DefaultTimeout();
        RelayException twice = await Assert.ThrowsAsync<RelayException>(() => client.OpenMeetingAsync(new OpenMeetingRequest("2025"))).DefaultTimeout();
        Assert.Equal(("relay.meeting-exists", RelayErrorKind.Conflict), (twice.Code, twice.Kind));
        RelayException badUri = await Assert.ThrowsAsync<RelayException>(() => client.DialAsync("2025", new DialRequest("mailto:xa@example"))).DefaultTimeout();
        Assert.Contains("uri", badUri.Errors.Keys);
        RelayException noLeg = await Assert.ThrowsAsync<RelayException>(() => client.SetProgramAsync("2025", new ProgramRequest("ghost"))).DefaultTimeout();
        Assert.Equal(("relay.leg-not-found", RelayErrorKind.NotFound), (noLeg.Code, noLeg.Kind));

        // Nothing half-done: the one meeting opened is there, intact, with no legs.
        RelayMeetingInfo meeting = Assert.Single(await client.ListMeetingsAsync().DefaultTimeout());
        Assert.Equal(("2025", true), (meeting.Number, meeting.HasPin));
        Assert.Empty(meeting.Legs);
        Assert.NotEqual(0, meeting.Ports.AudioRtp);
    }

    [Fact]
    public async Task TheDialInListIsReplacedOverHttpWithTheKeyAndAnUnknownMeetingOrBadBodyGetsAProblem()
    {
        await using var relay = await RelayProcess.StartAsync("district", output);
        var client = relay.Client;
        await client.OpenMeetingAsync(new OpenMeetingRequest("2025", "1676", null, new Dictionary<string, string> { ["xa-lam-thao"] = "mat-khau" })).DefaultTimeout();
        await client.SetDialInAsync("2025", new Dictionary<string, string> { ["xa-ha-hoa"] = "mat-khau-ha-hoa", ["xa-pa-co"] = "mat-khau-pa-co" }).DefaultTimeout();
        Assert.Equal(["xa-ha-hoa", "xa-pa-co"], (await client.GetMeetingAsync("2025").DefaultTimeout()).DialInUsers);

        var wrong = new RelayHttpClient(new HttpClient { BaseAddress = relay.Http }, "not-the-key-at-all");
        RelayException unauthorized = await Assert.ThrowsAsync<RelayException>(() => wrong.SetDialInAsync("2025", new Dictionary<string, string>())).DefaultTimeout();
        Assert.Equal((RelayErrorKind.Unauthorized, "relay.unauthorized"), (unauthorized.Kind, unauthorized.Code));
        RelayException unknown = await Assert.ThrowsAsync<RelayException>(() => client.SetDialInAsync("404", new Dictionary<string, string>())).DefaultTimeout();
        Assert.Equal((RelayErrorKind.NotFound, "relay.meeting-not-found"), (unknown.Kind, unknown.Code));

        using var http = new HttpClient { BaseAddress = relay.Http };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", relay.Key);
        foreach (var (body, field) in new[] { ("{}", "dialIn"), ("{\"dialIn\": {\"xa-hy-cuong\": \"\"}}", "dialIn"), ("{\"dialIn\": [", null) })
        {
            using HttpResponseMessage response = await http.PutAsync("v1/meetings/2025/dial-in", new StringContent(body, Encoding.UTF8, "application/json")).DefaultTimeout();
            string text = await response.Content.ReadAsStringAsync().DefaultTimeout();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{body}: {(int)response.StatusCode} {text}");
            using JsonDocument problem = JsonDocument.Parse(text);
            Assert.Equal("validation", problem.RootElement.GetProperty("code").GetString());
            if (field is not null)
            {
                Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), text);
            }
        }

        // Nothing lost: the list is the one last accepted.
        Assert.Equal(["xa-ha-hoa", "xa-pa-co"], (await client.GetMeetingAsync("2025").DefaultTimeout()).DialInUsers);
    }

    [Fact]
    public async Task TheEventStreamStartsWithASnapshotAndFollowsLegsThroughTheirLives()
    {
        await using var relay = await RelayProcess.StartAsync("district", output);
        await relay.Client.OpenMeetingAsync(new OpenMeetingRequest("2025")).DefaultTimeout();
        await using var events = EventLog.Start(relay.Client);
        SnapshotEvent snapshot = await events.WaitFor<SnapshotEvent>(_ => true, "the snapshot");
        Assert.Equal("district", snapshot.Node);
        Assert.Equal("2025", Assert.Single(snapshot.Meetings).Number);
        Assert.IsType<SnapshotEvent>(events.Events[0]);

        // A leg to a port nobody answers on: dialing, then (after the INVITE times out or is refused) failed.
        using var silent = new UdpProbe();
        LegInfo leg = await relay.Client.DialAsync("2025", new DialRequest($"sip:xa-ha-hoa@127.0.0.1:{silent.Port}", "xa-ha-hoa")).DefaultTimeout();
        Assert.Equal(LegState.Dialing, leg.State);
        await events.WaitForLeg("xa-ha-hoa", LegEventKind.Dialing);
        await TaskTimeouts.Until(() => silent.Packets.Any(), "the INVITE");

        // Muting before the answer is kept for when the leg connects; a keyframe needs a connected leg.
        await relay.Client.SetAudioMutedAsync("2025", "xa-ha-hoa", muted: true).DefaultTimeout();
        LegEvent muted = await events.WaitForLeg("xa-ha-hoa", LegEventKind.Muted);
        Assert.True(muted.Leg.AudioMuted);
        RelayException notConnected = await Assert.ThrowsAsync<RelayException>(() => relay.Client.RequestKeyframeAsync("2025", "xa-ha-hoa")).DefaultTimeout();
        Assert.Equal(("relay.leg-not-connected", RelayErrorKind.Conflict), (notConnected.Code, notConnected.Kind));

        await relay.Client.HangUpAsync("2025", "xa-ha-hoa").DefaultTimeout();
        LegEvent failed = await events.WaitForLeg("xa-ha-hoa", LegEventKind.Failed);
        Assert.Equal(487, failed.StatusCode);
        Assert.Equal(LegState.Failed, (await relay.Client.GetMeetingAsync("2025").DefaultTimeout()).Legs.Single().State);

        await relay.Client.CloseMeetingAsync("2025").DefaultTimeout();
        MeetingEvent closed = await events.WaitFor<MeetingEvent>(e => e.Kind == MeetingEventKind.Closed, "the meeting to close");
        Assert.Equal("2025", closed.Meeting);
    }

    [Fact]
    public async Task AWatcherReconnectsAfterTheRelayRestartsAndGetsAFreshSnapshot()
    {
        int port = Sipp.FreeUdpPort();
        string key = "khoa-chung-cua-tram-huyen";
        string[] arguments = ["--name", "district", "--sip", "127.0.0.1:0", "--http", $"127.0.0.1:{port}", "--key", key, "--media-address", "127.0.0.1", "--media-ports", "0"];
        var first = await RelayProcess.StartWithArgumentsAsync("district", output, arguments);
        var client = new RelayHttpClient(new HttpClient { BaseAddress = first.Http }, key, TestOutputLoggerProvider.Factory(output).CreateLogger("watch"));
        await client.OpenMeetingAsync(new OpenMeetingRequest("1001")).DefaultTimeout();
        await using var events = EventLog.Start(client);
        await events.WaitFor<SnapshotEvent>(s => s.Meetings.Count == 1, "the first snapshot");
        await first.DisposeAsync();

        await using var second = await RelayProcess.StartWithArgumentsAsync("district", output, arguments);
        await TaskTimeouts.Until(() => events.Events.OfType<SnapshotEvent>().Count() == 2, "a snapshot from the restarted relay");

        // The restarted relay holds no meetings, and the snapshot says so: the controller resyncs from it.
        Assert.Empty(events.Events.OfType<SnapshotEvent>().Last().Meetings);
        await client.OpenMeetingAsync(new OpenMeetingRequest("1002")).DefaultTimeout();
        await events.WaitFor<MeetingEvent>(e => e.Meeting == "1002" && e.Kind == MeetingEventKind.Opened, "the new meeting's event");
    }

    [Fact]
    public async Task AnUnreachableRelayIsAnUnavailableErrorNotACrash()
    {
        int port = Sipp.FreeUdpPort();
        var client = new RelayHttpClient(new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") }, "khoa-khong-dung-den");
        RelayException error = await Assert.ThrowsAsync<RelayException>(() => client.ListMeetingsAsync()).DefaultTimeout();
        Assert.Equal((RelayErrorKind.Unavailable, "relay.unreachable"), (error.Kind, error.Code));
    }

    [Fact]
    public async Task ARelayWithABadSettingStopsAtStartWithAClearMessage()
    {
        var (exit, text) = await RelayProcess.RunToExitAsync("--sip", "127.0.0.1:0", "--http", "127.0.0.1:0", "--key", "short", "--media-ports", "70000-80000");
        Assert.Equal(2, exit);
        Assert.Contains("Relay:ApiKey", text, StringComparison.Ordinal);
        Assert.Contains("Relay:MediaPorts", text, StringComparison.Ordinal);
    }
}
