using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Conferencing.Server.Monitoring;
using Conferencing.Server.Recording;
using Conferencing.Server.Relaying;
using Conferencing.Server.Simulator;
using Conferencing.Server.Tests.Infrastructure;
using Conferencing.Server.Tests.Relaying;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Conferencing.Server.Tests.Recording;

/// <summary>
/// Live meetings of simulated rooms recorded by the recorder leg at the in-process relay and Debian's
/// ffmpeg; the files are read back with ffprobe and through the API.
/// </summary>
[Collection(RealTimeCollection.Name)]
public sealed class RecordingTests(ITestOutputHelper output) : RelayTestBase(output)
{
    private const int SegmentSeconds = 3;
    private const string HostUser = "tinh-phu-tho";
    private const string HostPassword = "mat-khau-tinh";

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Recording:Enabled"] = "true",
        ["Recording:SegmentDuration"] = $"00:00:0{SegmentSeconds}",
    };

    private RecordingService Recorder => Factory.Services.GetRequiredService<RecordingService>();

    [Fact]
    public async Task ALiveMeetingIsRecordedWithTheProgramAsForwardedAndTheMixAndAKilledRecorderLosesAtMostASegment()
    {
        using var secretariat = await Factory.StaffAsync("Secretariat");
        var live = await LiveMeetingAsync(secretariat);
        var meeting = live.Meeting;
        var started = Stopwatch.StartNew();
        await Until(() => Recorder.RecorderProcessId(meeting) is not null && SegmentsOf(meeting).Count > 0, "ffmpeg to write its first segment");
        var firstPid = Recorder.RecorderProcessId(meeting)!.Value;

        // A crash of the recorder: ffmpeg is started again on the same ports and the leg carries on.
        await Task.Delay(TimeSpan.FromSeconds(1));
        using (var ffmpeg = Process.GetProcessById(firstPid))
        {
            ffmpeg.Kill();
        }

        await Until(() => Recorder.RecorderProcessId(meeting) is { } pid && pid != firstPid, "ffmpeg to be started again");
        var before = SegmentsOf(meeting).Count;
        await Until(() => SegmentsOf(meeting).Count > before, "the restarted ffmpeg to write", TimeSpan.FromSeconds(20));

        // The floor to Hy Cương and back: the recording follows the program.
        await CommandAsync(meeting, "floor", new { siteCode = "PT-X-HC" });
        await WaitForCallsAsync(meeting, c => c.ProgramSiteCode == "PT-X-HC", "the floor at Hy Cương");
        await Task.Delay(TimeSpan.FromSeconds(3));
        await CommandAsync(meeting, "floor", new { siteCode = (string?)null });
        await WaitForCallsAsync(meeting, c => c.ProgramSiteCode == "PT", "the floor back at the host");
        await Task.Delay(TimeSpan.FromSeconds(2));
        await CommandAsync(meeting, "end");
        var recorded = started.Elapsed;
        await Until(() => Recorder.ActiveRecordingId(meeting) is null, "the recording to stop");
        await Recorder.FinishingAsync().DefaultTimeout();
        await live.Sipp.DefaultTimeout();

        var recordings = (await ListAsync(secretariat, meeting)).GetProperty("recordings");
        Assert.Equal(1, recordings.GetArrayLength());
        var recording = recordings[0];
        Assert.True(recording.GetProperty("status").GetString() == "Complete", recording.ToString());
        var size = recording.GetProperty("sizeBytes").GetInt64();
        var durationMs = recording.GetProperty("durationMs").GetInt64();
        Assert.True(recording.GetProperty("segments").GetInt32() >= 2, recording.ToString());
        var file = Directory.GetFiles(Factory.RecordingsPath, RecordingFiles.FileName, SearchOption.AllDirectories).Single();
        Assert.Equal(new FileInfo(file).Length, size);

        // ffprobe: the forwarded H.264 (copied, not transcoded) and the mix as AAC.
        var probe = await ProbeAsync(file);
        var streams = probe.GetProperty("streams").EnumerateArray().ToList();
        Assert.Contains(streams, s => s.GetProperty("codec_type").GetString() == "video" && s.GetProperty("codec_name").GetString() == "h264");
        Assert.Contains(streams, s => s.GetProperty("codec_type").GetString() == "audio" && s.GetProperty("codec_name").GetString() == "aac");
        var seconds = double.Parse(probe.GetProperty("format").GetProperty("duration").GetString()!, CultureInfo.InvariantCulture);
        Output.WriteLine($"recorded {recorded.TotalSeconds:0.0} s wall clock, file {seconds:0.0} s, {durationMs} ms listed, {size} bytes");
        Assert.InRange(durationMs, (long)(seconds * 1000) - 50, (long)(seconds * 1000) + 50);

        // At most one segment lost to the kill, plus ffmpeg's restart and its wait for a keyframe.
        Assert.InRange(seconds, recorded.TotalSeconds - SegmentSeconds - 6, recorded.TotalSeconds + 2);

        // The picture changed source at the floor switch: the simulated camera writes its site into
        // every frame (the host's real camera writes none), and its frames are in the file.
        Assert.Equal(["pt-x-hc"], PictureSources(await File.ReadAllBytesAsync(file)));

        // Range requests: 206 with exactly the asked bytes, each request audited.
        var url = recording.GetProperty("url").GetString()!;
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Range = new RangeHeaderValue(100, 1099);
        var partial = await secretariat.SendAsync(request).DefaultTimeout();
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal("video/mp4", partial.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"bytes 100-1099/{size}", partial.Content.Headers.ContentRange?.ToString());
        var bytes = await partial.Content.ReadAsByteArrayAsync().DefaultTimeout();
        Assert.Equal((await File.ReadAllBytesAsync(file)).AsSpan(100, 1000).ToArray(), bytes);
        var audit = await Admin.GetFromJsonAsync<JsonElement>("/api/audit?action=recording.downloaded", Json).DefaultTimeout();
        Assert.Contains(audit.EnumerateArray(), e => e.GetProperty("summary").GetString()!.Contains("bytes=100-1099", StringComparison.Ordinal)
            && e.GetProperty("actor").GetString()!.StartsWith("secretariat-", StringComparison.Ordinal));

        // Technicians neither list nor fetch recordings.
        using var technician = await Factory.StaffAsync("Technician");
        Assert.Equal(HttpStatusCode.Forbidden, (await technician.GetAsync(new Uri(url, UriKind.Relative)).DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await technician.GetAsync(new Uri($"/api/meetings/{meeting}/recordings", UriKind.Relative)).DefaultTimeout()).StatusCode);
    }

    [Fact]
    public async Task ADemoMeetingOfSimulatedRoomsIsRecordedAsAPictureThatChangesSiteAtTheFloorSwitch()
    {
        // As in the demo: every site a simulated room whose camera plays its own clip.
        await SimulatedRoomAsync("PT");
        await SimulatedRoomAsync("PT-X-HC");
        var meeting = await ScheduleAsync("ProvinceHosted", "PT", ["PT", "PT-X-HC"]);
        var switched = await Admin.PutAsJsonAsync($"/api/meetings/{meeting}/recording", new { enabled = true }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, switched.StatusCode);
        await CommandAsync(meeting, "prepare");
        await WaitForCallsAsync(meeting, c => c.Relays[0].MeetingOpen, "the relay to open the meeting");
        await CommandAsync(meeting, "start");
        await WaitForCallsAsync(meeting, c => c.Endpoints.All(e => e.State == CallState.InCall), "both sites in the call");
        await Until(() => SegmentsOf(meeting).Count > 0, "ffmpeg to write its first segment");
        var started = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(4));
        await CommandAsync(meeting, "floor", new { siteCode = "PT-X-HC" });
        await WaitForCallsAsync(meeting, c => c.ProgramSiteCode == "PT-X-HC", "the floor at Hy Cương");
        await Task.Delay(TimeSpan.FromSeconds(4));
        await CommandAsync(meeting, "end");
        var recorded = started.Elapsed;
        await Until(() => Recorder.ActiveRecordingId(meeting) is null, "the recording to stop");
        await Recorder.FinishingAsync().DefaultTimeout();
        var recording = (await ListAsync(Admin, meeting)).GetProperty("recordings")[0];
        Assert.True(recording.GetProperty("status").GetString() == "Complete", recording.ToString());
        var file = Directory.GetFiles(Path.Combine(Factory.RecordingsPath, meeting.ToString("N")), RecordingFiles.FileName, SearchOption.AllDirectories).Single();

        // An H.264 picture of the simulated cameras' size and an audio stream, both as long as the meeting was recorded.
        var probe = await ProbeAsync(file);
        var streams = probe.GetProperty("streams").EnumerateArray().ToList();
        var video = streams.Single(s => s.GetProperty("codec_type").GetString() == "video");
        Assert.Equal("h264", video.GetProperty("codec_name").GetString());
        Assert.Equal((SimulatedVideoLibrary.Width, SimulatedVideoLibrary.Height), (video.GetProperty("width").GetInt32(), video.GetProperty("height").GetInt32()));
        var audio = streams.Single(s => s.GetProperty("codec_type").GetString() == "audio");
        var seconds = double.Parse(probe.GetProperty("format").GetProperty("duration").GetString()!, CultureInfo.InvariantCulture);
        Output.WriteLine($"recorded {recorded.TotalSeconds:0.0} s after the first segment, file {seconds:0.0} s");
        Assert.InRange(seconds, recorded.TotalSeconds - 1, recorded.TotalSeconds + SegmentSeconds + 3);
        foreach (var stream in new[] { video, audio })
        {
            Assert.InRange(double.Parse(stream.GetProperty("duration").GetString()!, CultureInfo.InvariantCulture), seconds - 1.5, seconds + 0.1);
        }

        // The picture is the host's, then Hy Cương's: frames decoded before the switch look alike, and unlike one after it.
        Assert.Equal(["pt", "pt-x-hc"], PictureSources(await File.ReadAllBytesAsync(file)));
        var early = await MeanColourAsync(file, 0.5);
        var later = await MeanColourAsync(file, 1.5);
        var last = await MeanColourAsync(file, seconds - 1);
        Output.WriteLine($"mean colour at 0.5 s {early}, 1.5 s {later}, {seconds - 1:0.0} s {last}");
        Assert.True(Distance(early, later) < 10, $"two frames of the host differ: {early} {later}");
        Assert.True(Distance(early, last) > 30, $"the frames before and after the switch look alike: {early} {last}");
    }

    [Fact]
    public async Task TheDiskGuardStopsRecordingWithAnAlarmAndTheRecordingStaysPlayable()
    {
        var live = await LiveMeetingAsync(Admin);
        var meeting = live.Meeting;
        await Until(() => SegmentsOf(meeting).Count > 0, "ffmpeg to write its first segment");
        await Task.Delay(TimeSpan.FromSeconds(SegmentSeconds));

        // The threshold raised above what any disk here has free: the next check stops recording.
        var configuration = (IConfigurationRoot)Factory.Services.GetRequiredService<IConfiguration>();
        configuration["Recording:MinFreeMegabytes"] = "1000000000";
        configuration.Reload();
        await Until(() => Recorder.DiskLow && Recorder.ActiveRecordingId(meeting) is null, "the disk guard to stop the recording");
        await Recorder.FinishingAsync().DefaultTimeout();

        var alarms = await Factory.Services.GetRequiredService<AlarmService>()
            .QueryAsync(new AlarmQuery(State: AlarmStateFilter.Active), CancellationToken.None).DefaultTimeout();
        Assert.Contains(alarms, a => a.Kind == AlarmKinds.RecordingDiskLow && a.Severity == AlarmSeverity.Critical);
        var recording = (await ListAsync(Admin, meeting)).GetProperty("recordings")[0];
        Assert.Equal("disk-low", recording.GetProperty("stopReason").GetString());
        Assert.True(recording.GetProperty("status").GetString() == "Complete", recording.ToString());
        Assert.True(recording.GetProperty("durationMs").GetInt64() > 1000, recording.ToString());

        // No new recording starts while the disk stays low.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Null(Recorder.ActiveRecordingId(meeting));
        Assert.Equal(1, (await ListAsync(Admin, meeting)).GetProperty("recordings").GetArrayLength());
        await CommandAsync(meeting, "end");
        await live.Sipp.DefaultTimeout();
    }

    [Fact]
    public async Task OpenDiscussionIsStoredAndSurvivesAServerRestart()
    {
        var meeting = await ScheduleAsync("ProvinceHosted", "PT", ["PT", "PT-X-HC"]);
        var set = await Admin.PutAsJsonAsync($"/api/meetings/{meeting}/audio-mix", new { openDiscussion = true }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);

        await RestartServerAsync();
        var read = await Admin.GetFromJsonAsync<JsonElement>($"/api/meetings/{meeting}/audio-mix", Json).DefaultTimeout();
        Assert.True(read.GetProperty("openDiscussion").GetBoolean());
        var conductor = Factory.Services.GetRequiredService<RelayConductor>();
        await Until(() => conductor.IsOpenDiscussion(meeting), "the conductor to have open discussion back");

        var cleared = await Admin.PutAsJsonAsync($"/api/meetings/{meeting}/audio-mix", new { openDiscussion = false }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        await RestartServerAsync();
        read = await Admin.GetFromJsonAsync<JsonElement>($"/api/meetings/{meeting}/audio-mix", Json).DefaultTimeout();
        Assert.False(read.GetProperty("openDiscussion").GetBoolean());
    }

    /// <summary>
    /// A live province-hosted meeting recorded at the secretariat's word: the host is a sipp room
    /// system that dials in and sends real H.264 from a pcap (a room system that is not ours), Hy Cương
    /// a simulated room playing its clip.
    /// </summary>
    private async Task<(Guid Meeting, Task<Sipp.Result> Sipp)> LiveMeetingAsync(HttpClient secretariat)
    {
        var media = await TestMedia.DirectoryAsync().DefaultTimeout();
        await SimulatedRoomAsync("PT-X-HC");
        var sippPort = Sipp.FreeUdpPort();
        await CreateEndpointAsync("PT", $"sip:{HostUser}@127.0.0.1:{sippPort}", HostUser, HostPassword);
        var meeting = await ScheduleAsync("ProvinceHosted", "PT", ["PT", "PT-X-HC"]);

        // A province-hosted meeting is not recorded unless the secretariat says so.
        var listed = await ListAsync(secretariat, meeting);
        Assert.False(listed.GetProperty("enabled").GetBoolean());
        Assert.False(listed.GetProperty("enabledByDefault").GetBoolean());
        var switched = await secretariat.PutAsJsonAsync($"/api/meetings/{meeting}/recording", new { enabled = true }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, switched.StatusCode);

        await CommandAsync(meeting, "prepare");
        var prepared = await WaitForCallsAsync(meeting, c => c.Relays[0].MeetingOpen, "the relay to open the meeting");
        var sipp = Sipp.RunAsync("relay-central-uac.xml", IPEndPoint.Parse(prepared.DialInAddress), sippPort, TimeSpan.FromSeconds(120), media,
            "-s", $"{prepared.Number}*{prepared.Pin}", "-au", HostUser, "-ap", HostPassword, "-d", "90000");
        await WaitForCallsAsync(meeting, c => c.Endpoints.Single(e => e.SiteCode == "PT").State == CallState.InCall, "the host to dial in");
        await CommandAsync(meeting, "start");
        await WaitForCallsAsync(meeting, c => c.Endpoints.All(e => e.State == CallState.InCall), "both sites in the call");
        return (meeting, sipp);
    }

    private List<string> SegmentsOf(Guid meeting)
    {
        var folder = Path.Combine(Factory.RecordingsPath, meeting.ToString("N"));
        return Directory.Exists(folder) ? [.. Directory.GetFiles(folder, RecorderProcess.SegmentPattern, SearchOption.AllDirectories)] : [];
    }

    private static async Task<JsonElement> ListAsync(HttpClient client, Guid meeting)
    {
        var response = await client.GetAsync(new Uri($"/api/meetings/{meeting}/recordings", UriKind.Relative)).DefaultTimeout();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Json).DefaultTimeout();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        return body;
    }

    private static async Task<JsonElement> ProbeAsync(string file)
    {
        var info = new ProcessStartInfo("ffprobe", ["-v", "error", "-show_streams", "-show_format", "-of", "json", file]) { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(info)!;
        var json = await process.StandardOutput.ReadToEndAsync().DefaultTimeout();
        await process.WaitForExitAsync().DefaultTimeout();
        Assert.Equal(0, process.ExitCode);
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    /// <summary>The mean red, green and blue of the frame ffmpeg decodes at <paramref name="seconds"/> into the file.</summary>
    private static async Task<(double R, double G, double B)> MeanColourAsync(string file, double seconds)
    {
        var info = new ProcessStartInfo("ffmpeg", ["-v", "error", "-ss", seconds.ToString("0.00", CultureInfo.InvariantCulture), "-i", file, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info)!;
        using var frame = new MemoryStream();
        var errors = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.BaseStream.CopyToAsync(frame).DefaultTimeout();
        await process.WaitForExitAsync().DefaultTimeout();
        Assert.True(process.ExitCode == 0, await errors);
        var pixels = frame.ToArray();
        Assert.Equal(SimulatedVideoLibrary.Width * SimulatedVideoLibrary.Height * 3, pixels.Length);
        double r = 0, g = 0, b = 0;
        for (var i = 0; i < pixels.Length; i += 3)
        {
            r += pixels[i];
            g += pixels[i + 1];
            b += pixels[i + 2];
        }

        var count = pixels.Length / 3.0;
        return (r / count, g / count, b / count);
    }

    private static double Distance((double R, double G, double B) x, (double R, double G, double B) y) =>
        Math.Sqrt(((x.R - y.R) * (x.R - y.R)) + ((x.G - y.G) * (x.G - y.G)) + ((x.B - y.B) * (x.B - y.B)));

    /// <summary>The sites whose picture the file shows, in order, each run of frames once (see <see cref="SimulatedMediaOptions.SourceTag"/>).</summary>
    private static List<string> PictureSources(byte[] file)
    {
        var marker = "SRC:"u8;
        var sources = new List<string>();
        var span = file.AsSpan();
        for (var at = span.IndexOf(marker); at >= 0 && at + marker.Length < span.Length;)
        {
            var length = span[at + marker.Length];
            var start = at + marker.Length + 1;
            if (length is > 0 and < 64 && start + length <= span.Length)
            {
                var tag = Encoding.UTF8.GetString(span.Slice(start, length));
                if (sources.Count == 0 || sources[^1] != tag)
                {
                    sources.Add(tag);
                }
            }

            var next = span[(at + 1)..].IndexOf(marker);
            at = next < 0 ? -1 : at + 1 + next;
        }

        return sources;
    }
}
