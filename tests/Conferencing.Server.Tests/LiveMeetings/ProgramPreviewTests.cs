using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conferencing.Server.LiveMeetings.Preview;
using Conferencing.Server.Relaying;
using Conferencing.Server.Simulator;
using Conferencing.Server.Tests.Infrastructure;
using Conferencing.Server.Tests.Relaying;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Conferencing.Server.Tests.LiveMeetings;

/// <summary>
/// The program preview of a live meeting of simulated rooms (whose cameras write their site into the
/// picture), through the API and on the meeting page in Chromium.
/// </summary>
[Collection(RealTimeCollection.Name)]
public sealed class ProgramPreviewTests(ITestOutputHelper output, BrowserFixture browser) : RelayTestBase(output), IClassFixture<BrowserFixture>
{
    protected override bool ServesBrowsers => true;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Preview:CacheFor"] = "00:00:01",
        ["Preview:RefreshEvery"] = "00:00:01",
        ["Preview:IdleHangUp"] = "00:00:05",
    };

    private ProgramPreviewService Preview => Factory.Services.GetRequiredService<ProgramPreviewService>();

    [Fact]
    public async Task TheProgramPreviewIsAJpegOfTheFloorSiteForStaffAndFollowsAFloorSwitch()
    {
        var meeting = await LiveMeetingAsync();
        using var technician = await TechnicianAsync();

        // Until the first keyframe reaches the preview leg: 503 with a retry; then the host's picture.
        var first = await StillAsync(technician, meeting);
        Assert.Equal("image/jpeg", first.ContentType);
        Assert.True(first.CacheControl is { Private: true, MaxAge.TotalSeconds: 1 }, $"Cache-Control: {first.CacheControl}");
        var host = await DecodeAsync(first.Jpeg);
        Assert.Equal((SimulatedVideoLibrary.Width, SimulatedVideoLibrary.Height), (host.Width, host.Height));
        Assert.True(Preview.HasLeg(meeting));

        // The floor to Hy Cương: the still becomes its picture (another colour), not the host's.
        await CommandAsync(meeting, "floor", new { siteCode = "PT-X-HC" });
        await WaitForCallsAsync(meeting, c => c.ProgramSiteCode == "PT-X-HC", "the floor at Hy Cương");
        (int Width, int Height, (double R, double G, double B) Mean) after = host;
        await Until(async () =>
        {
            after = await DecodeAsync((await StillAsync(technician, meeting)).Jpeg);
            return Distance(after.Mean, host.Mean) > 30;
        }, "the preview to show Hy Cương", detail: () => $"host {host.Mean}, now {after.Mean}");

        // Delegates and strangers see no preview; a meeting that ends has none and its leg is hung up.
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(Url) };
        Assert.Contains((await anonymous.GetAsync(new Uri($"/api/meetings/{meeting}/preview", UriKind.Relative)).DefaultTimeout()).StatusCode,
            new[] { HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden, HttpStatusCode.Redirect, HttpStatusCode.Found });
        await CommandAsync(meeting, "end");
        await Until(async () => (await technician.GetAsync(new Uri($"/api/meetings/{meeting}/preview", UriKind.Relative)).DefaultTimeout()).StatusCode == HttpStatusCode.NotFound,
            "the ended meeting's preview to be gone");
        var gone = await technician.GetAsync(new Uri($"/api/meetings/{meeting}/preview", UriKind.Relative)).DefaultTimeout();
        Assert.Equal("preview.not-live", (await JsonDocument.ParseAsync(await gone.Content.ReadAsStreamAsync())).RootElement.GetProperty("code").GetString());
        await Until(() => !Preview.HasLeg(meeting), "the preview leg to be hung up");
    }

    [Fact]
    public async Task TheMeetingPageShowsThePreviewWithTheFloorSiteAndItChangesAfterAFloorSwitchAndTheReadinessBoardShowsTheSameStates()
    {
        var meeting = await LiveMeetingAsync();
        await using var context = await browser.Browser.NewContextAsync().DefaultTimeout();
        var page = await context.NewPageAsync().DefaultTimeout();
        await BrowserFixture.SignInAsync(page, Url, "admin", ConferencingFactory.AdminPassword);
        await page.GotoAsync($"{Url}/meetings/{meeting}").DefaultTimeout();

        var image = page.GetByTestId("program-preview-image");
        await Assertions.Expect(page.GetByTestId("program-preview-floor")).ToHaveTextAsync("Tỉnh Phú Thọ").DefaultTimeout();
        await Assertions.Expect(page.GetByTestId("program-preview")).ToContainTextAsync("Hình đang phát").DefaultTimeout();
        await page.WaitForFunctionAsync("img => img.complete && img.naturalWidth > 0", await image.ElementHandleAsync().DefaultTimeout(),
            new() { Timeout = 60_000 }).DefaultTimeout();
        var size = await image.EvaluateAsync<int[]>("img => [img.naturalWidth, img.naturalHeight]").DefaultTimeout();
        Assert.Equal([SimulatedVideoLibrary.Width, SimulatedVideoLibrary.Height], size);
        double[]? before = null;
        await Until(async () => (before = await MeanColourAsync(image)) is not null, "the host's picture between two refreshes");

        // The floor to Hy Cương: its name beside the preview at once, its picture within a few refreshes.
        await CommandAsync(meeting, "floor", new { siteCode = "PT-X-HC" });
        await Assertions.Expect(page.GetByTestId("program-preview-floor")).ToHaveTextAsync("Xã Hy Cương").DefaultTimeout();
        double[]? now = before;
        await Until(async () =>
        {
            now = await MeanColourAsync(image);
            return now is not null && Distance((now[0], now[1], now[2]), (before![0], before[1], before[2])) > 30;
        }, "the preview on the page to change to Hy Cương's picture", detail: () => $"before {string.Join(",", before!)}, now {string.Join(",", now ?? [])}");

        // The readiness board shows each site's state in the meeting from the same computation as the meeting page.
        await page.GotoAsync($"{Url}/monitoring/meetings/{meeting}").DefaultTimeout();
        var board = page.Locator("[data-testid=readiness-table] tr[data-site='PT-X-HC']");
        await Assertions.Expect(board.GetByTestId("connection")).ToHaveAttributeAsync("data-phase", "InMeeting").DefaultTimeout();
        await Assertions.Expect(board.GetByTestId("connection")).ToHaveTextAsync("Đang trong hội nghị").DefaultTimeout();
        await CommandAsync(meeting, "end");
        await Assertions.Expect(board.GetByTestId("connection")).Not.ToHaveAttributeAsync("data-phase", "InMeeting", new() { Timeout = 15_000 }).DefaultTimeout();
    }

    /// <summary>A technician signed in over the listening server (the factory's in-memory clients do not reach it).</summary>
    private async Task<HttpClient> TechnicianAsync()
    {
        var username = "technician-" + Guid.NewGuid().ToString("N")[..8];
        var created = await Admin.PostAsJsonAsync("/api/users", new { username, displayName = "Kỹ thuật viên", role = "Technician", password = ConferencingFactory.StaffPassword }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(Url) };
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/auth/login", new { username, password = ConferencingFactory.StaffPassword }, Json).DefaultTimeout()).StatusCode);
        return client;
    }

    /// <summary>A live province-hosted meeting whose host and commune are both simulated rooms, as in the demo.</summary>
    private async Task<Guid> LiveMeetingAsync()
    {
        await SimulatedRoomAsync("PT");
        await SimulatedRoomAsync("PT-X-HC");
        var meeting = await ScheduleAsync("ProvinceHosted", "PT", ["PT", "PT-X-HC"]);
        await CommandAsync(meeting, "prepare");
        await WaitForCallsAsync(meeting, c => c.Relays[0].MeetingOpen, "the relay to open the meeting");
        await CommandAsync(meeting, "start");
        await WaitForCallsAsync(meeting, c => c.Endpoints.All(e => e.State == CallState.InCall), "both sites in the call");
        return meeting;
    }

    private static async Task<(byte[] Jpeg, string? ContentType, System.Net.Http.Headers.CacheControlHeaderValue? CacheControl)> StillAsync(HttpClient client, Guid meeting)
    {
        var deadline = DateTime.UtcNow + TaskTimeouts.Default;
        while (true)
        {
            using var response = await client.GetAsync(new Uri($"/api/meetings/{meeting}/preview", UriKind.Relative)).DefaultTimeout();
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return (await response.Content.ReadAsByteArrayAsync().DefaultTimeout(), response.Content.Headers.ContentType?.MediaType, response.Headers.CacheControl);
            }

            Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            Assert.Equal("2", response.Headers.RetryAfter?.ToString());
            Assert.True(DateTime.UtcNow < deadline, "no preview within a minute");
            await Task.Delay(500);
        }
    }

    /// <summary>The JPEG's size and mean colour, decoded by ffmpeg.</summary>
    private static async Task<(int Width, int Height, (double R, double G, double B) Mean)> DecodeAsync(byte[] jpeg)
    {
        var file = Path.Combine(Path.GetTempPath(), $"preview-{Guid.NewGuid():N}.jpg");
        await File.WriteAllBytesAsync(file, jpeg);
        try
        {
            var info = new ProcessStartInfo("ffprobe", ["-v", "error", "-show_entries", "stream=width,height", "-of", "csv=p=0", file]) { RedirectStandardOutput = true, UseShellExecute = false };
            using var probe = Process.Start(info)!;
            var dimensions = (await probe.StandardOutput.ReadToEndAsync().DefaultTimeout()).Trim().Split(',');
            await probe.WaitForExitAsync().DefaultTimeout();
            Assert.Equal(0, probe.ExitCode);
            var decode = new ProcessStartInfo("ffmpeg", ["-v", "error", "-i", file, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]) { RedirectStandardOutput = true, UseShellExecute = false };
            using var ffmpeg = Process.Start(decode)!;
            using var pixels = new MemoryStream();
            await ffmpeg.StandardOutput.BaseStream.CopyToAsync(pixels).DefaultTimeout();
            await ffmpeg.WaitForExitAsync().DefaultTimeout();
            Assert.Equal(0, ffmpeg.ExitCode);
            var bytes = pixels.ToArray();
            double r = 0, g = 0, b = 0;
            for (var i = 0; i + 2 < bytes.Length; i += 3)
            {
                r += bytes[i];
                g += bytes[i + 1];
                b += bytes[i + 2];
            }

            var count = bytes.Length / 3.0;
            return (int.Parse(dimensions[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(dimensions[1], System.Globalization.CultureInfo.InvariantCulture), (r / count, g / count, b / count));
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>The mean red, green and blue of the image as the browser shows it, read through a canvas; null while a refresh loads.</summary>
    private static Task<double[]?> MeanColourAsync(ILocator image) => image.EvaluateAsync<double[]?>("""
        img => {
            if (!img.complete || img.naturalWidth === 0) return null;
            const canvas = document.createElement('canvas');
            canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
            const context = canvas.getContext('2d');
            context.drawImage(img, 0, 0);
            const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
            let r = 0, g = 0, b = 0;
            for (let i = 0; i < data.length; i += 4) { r += data[i]; g += data[i + 1]; b += data[i + 2]; }
            const n = data.length / 4;
            return [r / n, g / n, b / n];
        }
        """).DefaultTimeout();

    private static double Distance((double R, double G, double B) x, (double R, double G, double B) y) =>
        Math.Sqrt(((x.R - y.R) * (x.R - y.R)) + ((x.G - y.G) * (x.G - y.G)) + ((x.B - y.B) * (x.B - y.B)));
}
