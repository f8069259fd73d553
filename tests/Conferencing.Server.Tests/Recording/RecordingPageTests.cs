using System.Diagnostics;
using Conferencing.Server.Meetings;
using Conferencing.Server.Recording;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;

namespace Conferencing.Server.Tests.Recording;

/// <summary>The meeting page in Chromium lists the meeting's recordings and plays them; the audio mode it shows is the stored one.</summary>
public sealed class RecordingPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private ConferencingFactory _factory = null!;
    private string _url = null!;

    public async Task InitializeAsync()
    {
        _factory = new ConferencingFactory(TestDatabase.Sqlite());
        _url = BrowserFixture.StartKestrel(_factory);
        await ConsoleSeed.SeedAsync(_factory);
        await ConsoleSeed.CreateStaffAsync(_factory, ConsoleSeed.SecretariatUser, "Secretariat", "Văn phòng UBND tỉnh");
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _factory.Database.DisposeAsync();
    }

    [Fact]
    public async Task TheMeetingPageListsItsRecordingAndTheVideoLoadsItsMetadata()
    {
        var meetings = _factory.Services.GetRequiredService<MeetingService>();
        var start = ConsoleSeed.LocalDay(2, 9);
        var meeting = await meetings.ScheduleAsync(new MeetingDetails("Giao ban có ghi hình", null, MeetingKind.RelayedFromCentral, "PT", start, start.AddHours(1),
            new SiteSelection([], ["PT-X-HC"]), [], []), ConsoleSeed.SecretariatUser, CancellationToken.None).DefaultTimeout();

        // A finished recording as the recorder leaves one: an H.264 + AAC MP4 with its index in front.
        var store = _factory.Services.GetRequiredService<RecordingStore>();
        var options = _factory.Services.GetRequiredService<IOptions<RecordingOptions>>().Value;
        var row = new MeetingRecording(Guid.NewGuid(), meeting.Id, RecordingStatus.Recording, DateTimeOffset.UtcNow.AddMinutes(-5), null, null, null, null, 0, null);
        await store.InsertAsync(row, CancellationToken.None).DefaultTimeout();
        var folder = RecordingFiles.FolderOf(options, meeting.Id, row.Id);
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, RecordingFiles.FileName);
        await MakeClipAsync(file);
        await store.UpdateAsync(row with
        {
            Status = RecordingStatus.Complete, EndedUtc = DateTimeOffset.UtcNow, FileName = RecordingFiles.FileName,
            SizeBytes = new FileInfo(file).Length, DurationMs = 3000, Segments = 1, StopReason = "meeting-ended",
        }, CancellationToken.None).DefaultTimeout();

        await using var context = await browser.Browser.NewContextAsync().DefaultTimeout();
        var page = await context.NewPageAsync().DefaultTimeout();
        await BrowserFixture.SignInAsync(page, _url, ConsoleSeed.SecretariatUser, ConferencingFactory.StaffPassword);
        await page.GotoAsync($"{_url}/meetings/{meeting.Id}").DefaultTimeout();
        var panel = page.GetByTestId("meeting-recordings");
        await Assertions.Expect(panel.Locator("h2")).ToHaveTextAsync("Ghi hình").DefaultTimeout();

        // Meetings relayed from central are recorded unless switched off.
        await Assertions.Expect(page.GetByTestId("recording-switch")).ToBeCheckedAsync().DefaultTimeout();
        var item = panel.GetByTestId("recording");
        await Assertions.Expect(item).ToHaveCountAsync(1).DefaultTimeout();
        await Assertions.Expect(item).ToContainTextAsync("0:03").DefaultTimeout();
        await Assertions.Expect(item).ToContainTextAsync(" MB").DefaultTimeout();

        var video = item.GetByTestId("recording-video");
        await page.WaitForFunctionAsync("v => v.readyState >= 1 && v.duration > 2.5", await video.ElementHandleAsync().DefaultTimeout(),
            new() { Timeout = 30_000 }).DefaultTimeout();

        // The switch is stored: off, and the page read again shows it off.
        await page.GetByTestId("recording-switch").ClickAsync().DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("recording-switch")).Not.ToBeCheckedAsync().DefaultTimeout();
        var settings = _factory.Services.GetRequiredService<MeetingMediaSettingsStore>();
        await WaitAsync(async () => (await settings.SettingsAsync(meeting.Id, CancellationToken.None)).RecordingEnabled == false);
        await page.ReloadAsync().DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("recording-switch")).Not.ToBeCheckedAsync().DefaultTimeout();
    }

    private static async Task WaitAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TaskTimeouts.Default;
        while (!await condition().DefaultTimeout())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(50);
        }
    }

    private static async Task MakeClipAsync(string file)
    {
        var info = new ProcessStartInfo("ffmpeg",
        [
            "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=15", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", "3", "-c:v", "libx264", "-profile:v", "baseline", "-pix_fmt", "yuv420p", "-c:a", "aac", "-movflags", "+faststart", file,
        ]) { UseShellExecute = false, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var errors = await process.StandardError.ReadToEndAsync().DefaultTimeout();
        await process.WaitForExitAsync().DefaultTimeout();
        Assert.True(process.ExitCode == 0, errors);
    }
}
