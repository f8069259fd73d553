using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Conferencing.Server.Tests.Components;

/// <summary>
/// The finished screens in Chromium (issue 15, items 5-7): no English left in the Vietnamese
/// interface, a phone's controls big enough for a thumb, a room TV readable from the back row, and
/// a readiness board that shows its progress and its problems first.
/// </summary>
public sealed partial class FinishedScreensTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    /// <summary>
    /// Words a Vietnamese screen may carry that are not Vietnamese: product and protocol names, units,
    /// the English language link. Anything else of Latin letters must read as Vietnamese syllables.
    /// </summary>
    private static readonly HashSet<string> Allowed = new(StringComparer.OrdinalIgnoreCase)
    {
        // "Th 2" is the Vietnamese short form of thứ hai (Monday) in the calendar's day names.
        "Th", "SIP", "RTP",
        // The seed's account name, as a username it is data.
        "test", "RTCP", "PDF", "QR", "CSV", "PIN", "ICS", "URI", "IP", "ID", "OK", "TV", "Jitter", "ms", "kbit", "kbps", "English",
        "iPhone", "iPad", "Android", "Safari", "Chrome", "Firefox", "Edge", "Windows", "Mac", "Linux", "Zalo", "email", "Excel", "admin",
    };

    private ConferencingFactory _factory = null!;
    private string _url = null!;
    private HttpClient _admin = null!;
    private UdpClient? _blackHole;

    public Task InitializeAsync() => Task.CompletedTask;

    private async Task StartAsync(IReadOnlyDictionary<string, string?>? settings = null, Func<Conferencing.Server.Sites.Site, string>? sipUri = null)
    {
        _factory = new ConferencingFactory(TestDatabase.Sqlite(), settings: settings);
        _url = BrowserFixture.StartKestrel(_factory);
        await ConsoleSeed.SeedAsync(_factory, sipUri).DefaultTimeout();
        _admin = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(_url) };
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = ConferencingFactory.AdminPassword }).DefaultTimeout()).StatusCode);
    }

    public async Task DisposeAsync()
    {
        _blackHole?.Dispose();
        _admin?.Dispose();
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
            await _factory.Database.DisposeAsync();
        }
    }

    private async Task<(Guid Id, JsonElement Meeting)> MeetingAsync(DateTimeOffset start, string[] sites, int delegates)
    {
        var created = await _admin.PostAsJsonAsync("/api/meetings", new
        {
            title = "Hội nghị giao ban trực tuyến tháng 12",
            kind = "ProvinceHosted",
            hostSiteCode = "PT",
            startUtc = start,
            endUtc = start.AddHours(3),
            sites = new { subtrees = Array.Empty<string>(), sites },
            delegates = Enumerable.Range(1, delegates).Select(i => new { name = $"Đại biểu số {i}", unit = "UBND xã Hy Cương", siteCode = sites[i % sites.Length] }).ToArray(),
        }, ConferencingFactory.Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>().DefaultTimeout();
        return (body.GetProperty("id").GetGuid(), body);
    }

    [Fact]
    public async Task TheVietnameseScreensShowNoEnglishWords()
    {
        await StartAsync();
        var (id, meeting) = await MeetingAsync(DateTimeOffset.UtcNow.AddMinutes(-5), ["PT-X-HC", "PT-X-PC"], 2);
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsJsonAsync($"/api/meetings/{id}/start", new { }).DefaultTimeout()).StatusCode);

        // History of every common shape: a roll call, a vote opened and closed, a delegate signing in from an iPhone.
        Assert.Equal(HttpStatusCode.OK, (await _admin.PutAsJsonAsync($"/api/meetings/{id}/roll-call/PT-X-HC", new { status = "Absent", reason = "Mất điện" }, ConferencingFactory.Json).DefaultTimeout()).StatusCode);
        var poll = await (await _admin.PostAsJsonAsync($"/api/meetings/{id}/votes", new { question = "Thông qua báo cáo?", secret = false }, ConferencingFactory.Json).DefaultTimeout()).Content.ReadFromJsonAsync<JsonElement>().DefaultTimeout();
        var pollId = poll.GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsync(new Uri($"/api/votes/{pollId}/open", UriKind.Relative), null).DefaultTimeout()).StatusCode);
        var delegateId = meeting.GetProperty("delegates")[0].GetProperty("id").GetGuid();
        var invitation = await _admin.GetFromJsonAsync<JsonElement>($"/api/meetings/{id}/delegates/{delegateId}/invitation").DefaultTimeout();
        await using (var phoneContext = await browser.Browser.NewContextAsync(new()
        {
            UserAgent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
        }).DefaultTimeout())
        {
            var phone = await phoneContext.NewPageAsync().DefaultTimeout();
            await phone.GotoAsync(invitation.GetProperty("url").GetString()!).DefaultTimeout();
            // A personal invitation names the delegate: one tap confirms.
            await phone.GetByTestId("confirm").ClickAsync().DefaultTimeout();
            await phone.WaitForURLAsync(_url + "/d").DefaultTimeout();
            await Assertions.Expect(phone.GetByTestId("connection")).ToHaveAttributeAsync("data-state", "connected").DefaultTimeout();
            Assert.Empty(await EnglishWordsAsync(phone));
        }

        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsync(new Uri($"/api/votes/{pollId}/close", UriKind.Relative), null).DefaultTimeout()).StatusCode);

        await using var context = await browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 }, Locale = "en-US" }).DefaultTimeout();
        var page = await context.NewPageAsync().DefaultTimeout();
        await BrowserFixture.SignInAsync(page, _url, "admin", ConferencingFactory.AdminPassword);
        var found = new List<string>();
        foreach (var (path, ready) in new (string, string)[]
        {
            ("/", "h1"),
            ("/meetings", "h1"),
            ($"/meetings/{id}", "[data-testid=history] li"),
            ("/meetings/new", "#start-date"),
            ("/monitoring", "h1"),
            ("/monitoring/alarms", "[data-testid=alarm-history]"),
            ($"/monitoring/meetings/{id}", "[data-testid=readiness-table]"),
            ("/reports", "[data-testid=by-kind]"),
            ("/audit", "h1"),
            ($"/meetings/{id}/room", "[data-testid=chair-meeting-title]"),
        })
        {
            await page.GotoAsync(_url + path).DefaultTimeout();
            await Assertions.Expect(page.Locator(ready).First).ToBeVisibleAsync().DefaultTimeout();
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle).DefaultTimeout();
            found.AddRange((await EnglishWordsAsync(page)).Select(w => $"{path}: {w}"));
        }

        Assert.True(found.Count == 0, "English on Vietnamese screens: " + string.Join(" | ", found));

        // The history reads as sentences: names for codes and ids, a device for the user agent, the vote's counts in words.
        await page.GotoAsync($"{_url}/meetings/{id}").DefaultTimeout();
        var history = page.GetByTestId("history");
        await Assertions.Expect(history).ToContainTextAsync("Xã Hy Cương: Vắng (Mất điện)").DefaultTimeout();
        await Assertions.Expect(history).ToContainTextAsync("Đại biểu số 1 vào bằng giấy mời, trên iPhone · Safari").DefaultTimeout();
        await Assertions.Expect(history).ToContainTextAsync("Thông qua báo cáo?: Đồng ý 0 · Không đồng ý 0").DefaultTimeout();
        await Assertions.Expect(history).Not.ToContainTextAsync("delegate:").DefaultTimeout();
        await Assertions.Expect(history).Not.ToContainTextAsync("Mozilla").DefaultTimeout();

        // Native date pickers follow the browser's language (en-US here); the form's fields follow the interface.
        await page.GotoAsync($"{_url}/meetings/new").DefaultTimeout();
        Assert.Matches(DayPattern(), await page.Locator("#start-date").InputValueAsync().DefaultTimeout());
        Assert.Matches(TimePattern(), await page.Locator("#start-time").InputValueAsync().DefaultTimeout());
    }

    [Fact]
    public async Task OnThePhoneEveryControlIsAThumbWideAndTheRoomTvShowsTheVoteLarge()
    {
        await StartAsync();
        var (id, meeting) = await MeetingAsync(DateTimeOffset.UtcNow.AddMinutes(-5), ["PT-X-HC"], 300);
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsJsonAsync($"/api/meetings/{id}/start", new { }).DefaultTimeout()).StatusCode);
        using (var form = new MultipartFormDataContent())
        {
            form.Add(new ByteArrayContent(SamplePdf.Create(2, "Báo cáo")), "file", "bao-cao.pdf");
            Assert.Equal(HttpStatusCode.Created, (await _admin.PostAsync(new Uri($"/api/meetings/{id}/documents", UriKind.Relative), form).DefaultTimeout()).StatusCode);
        }

        var poll = await (await _admin.PostAsJsonAsync($"/api/meetings/{id}/votes", new { question = "Thông qua kế hoạch?", secret = false }, ConferencingFactory.Json).DefaultTimeout()).Content.ReadFromJsonAsync<JsonElement>().DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsync(new Uri($"/api/votes/{poll.GetProperty("id").GetGuid()}/open", UriKind.Relative), null).DefaultTimeout()).StatusCode);

        // The room's QR code opens the picker of 300 names; typing part of a name without accents finds it.
        var link = await (await _admin.PostAsJsonAsync("/api/sites/PT-X-HC/display-links", new { label = "TV" }).DefaultTimeout()).Content.ReadFromJsonAsync<JsonElement>().DefaultTimeout();
        await using var phoneContext = await browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 390, Height = 844 }, IsMobile = true, HasTouch = true }).DefaultTimeout();
        var phone = await phoneContext.NewPageAsync().DefaultTimeout();
        var delegateId = meeting.GetProperty("delegates")[0].GetProperty("id").GetGuid();
        var invitation = await _admin.GetFromJsonAsync<JsonElement>($"/api/meetings/{id}/delegates/{delegateId}/invitation").DefaultTimeout();
        await phone.GotoAsync(invitation.GetProperty("url").GetString()!).DefaultTimeout();
        await phone.GetByTestId("confirm").ClickAsync().DefaultTimeout();
        await phone.WaitForURLAsync(_url + "/d").DefaultTimeout();
        await Assertions.Expect(phone.GetByTestId("polls")).ToContainTextAsync("Thông qua kế hoạch?").DefaultTimeout();
        await Assertions.Expect(phone.GetByTestId("documents").GetByRole(AriaRole.Button)).ToHaveCountAsync(1).DefaultTimeout();
        var small = await SmallTargetsAsync(phone);
        Assert.True(small.Count == 0, "Below 44×44 px on the list: " + string.Join(", ", small));

        // The document viewer's arrows and the way back.
        await phone.GetByTestId("documents").GetByRole(AriaRole.Button).First.ClickAsync().DefaultTimeout();
        await Assertions.Expect(phone.GetByTestId("viewer-pages")).ToHaveTextAsync("2").DefaultTimeout();
        small = await SmallTargetsAsync(phone);
        Assert.True(small.Count == 0, "Below 44×44 px in the viewer: " + string.Join(", ", small));

        // The TV, across the room: the vote's question and counts at 28 px or more.
        await using var tvContext = await browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1920, Height = 1080 } }).DefaultTimeout();
        var tv = await tvContext.NewPageAsync().DefaultTimeout();
        await tv.GotoAsync(link.GetProperty("url").GetString()!).DefaultTimeout();
        var tvPoll = tv.GetByTestId("polls").Locator(".poll").First;
        await Assertions.Expect(tvPoll).ToContainTextAsync("Thông qua kế hoạch?").DefaultTimeout();
        var sizes = await tvPoll.EvaluateAsync<double[]>(
            "p => [...p.querySelectorAll('*')].filter(e => e.childNodes.length && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())).map(e => parseFloat(getComputedStyle(e).fontSize))").DefaultTimeout();
        Assert.NotEmpty(sizes);
        Assert.True(sizes.Min() >= 28, "TV vote text sizes: " + string.Join(", ", sizes));

        // The picker of 300 names narrows as one types, with or without accents.
        await using var joinContext = await browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 390, Height = 844 }, IsMobile = true, HasTouch = true }).DefaultTimeout();
        var join = await joinContext.NewPageAsync().DefaultTimeout();
        var tvState = await tvContext.APIRequest.GetAsync(_url + "/display/api/state").DefaultTimeout();
        var state = await tvState.JsonAsync().DefaultTimeout() ?? throw new InvalidOperationException("The display state is empty.");
        var code = state.GetProperty("qrUrl").GetString()!;
        await join.GotoAsync(code).DefaultTimeout();
        await Assertions.Expect(join.Locator("#delegate-picker option:not([hidden])")).ToHaveCountAsync(301).DefaultTimeout();
        await join.GetByTestId("delegate-search").FillAsync("dai bieu so 257").DefaultTimeout();
        await Assertions.Expect(join.Locator("#delegate-picker option:not([hidden])")).ToHaveCountAsync(2).DefaultTimeout();
        Assert.Equal("Đại biểu số 257 · UBND xã Hy Cương", await join.Locator("#delegate-picker option:checked").TextContentAsync().DefaultTimeout());
    }

    [Fact]
    public async Task TheReadinessBoardShowsItsProgressAndPutsProblemsFirst()
    {
        // Rooms that never answer: each test call waits out the answer time, one at a time, so the run is seen under way.
        _blackHole = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)_blackHole.Client.LocalEndPoint!).Port;
        await StartAsync(
            new Dictionary<string, string?> { ["Readiness:AnswerTimeout"] = "00:00:03", ["Readiness:Parallel"] = "1" },
            site => $"sip:{site.Code.ToLowerInvariant()}@127.0.0.1:{port}");
        // The Sở Nội vụ has no room system: red before any call, and on top.
        var (id, _) = await MeetingAsync(DateTimeOffset.UtcNow.AddDays(1), ["PT-X-HC", "PT-X-PC", "PT-X-DH", "PT-SNV"], 0);

        await using var context = await browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } }).DefaultTimeout();
        var page = await context.NewPageAsync().DefaultTimeout();
        await BrowserFixture.SignInAsync(page, _url, "admin", ConferencingFactory.AdminPassword);
        await page.GotoAsync($"{_url}/monitoring/meetings/{id}").DefaultTimeout();
        var rows = page.GetByTestId("readiness-table").Locator("tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(5).DefaultTimeout();
        await Assertions.Expect(rows.First).ToHaveAttributeAsync("data-site", "PT-SNV").DefaultTimeout();

        // Until the in-process relay has reported in, a run ends at once ("relays not known yet"): try again.
        var progress = page.GetByTestId("readiness-progress");
        for (var attempt = 1; ; attempt++)
        {
            await page.GetByTestId("run-readiness").ClickAsync().DefaultTimeout();
            try
            {
                await Assertions.Expect(progress).ToBeVisibleAsync(new() { Timeout = 5_000 }).DefaultTimeout();
                break;
            }
            catch (PlaywrightException) when (attempt < 6)
            {
                await Assertions.Expect(page.GetByTestId("run-readiness")).ToBeEnabledAsync().DefaultTimeout();
            }
        }

        await Assertions.Expect(progress).ToHaveAttributeAsync("data-total", "4").DefaultTimeout();
        await Assertions.Expect(progress).ToContainTextAsync("/4 thiết bị · còn khoảng").DefaultTimeout();
        // The site being called says so, live, and stands above those still waiting.
        await Assertions.Expect(page.GetByTestId("calling")).ToHaveTextAsync("đang gọi…").DefaultTimeout();
        await Assertions.Expect(progress).ToHaveAttributeAsync("data-done", new Regex("^[1-3]$")).DefaultTimeout();

        // The run ends: the progress goes, every room is red (no answer), the department still first.
        await Assertions.Expect(progress).ToHaveCountAsync(0, new() { Timeout = 45_000 }).DefaultTimeout();
        await Assertions.Expect(page.Locator("tr[data-color=Red]")).ToHaveCountAsync(5).DefaultTimeout();
        await Assertions.Expect(rows.First).ToHaveAttributeAsync("data-site", "PT-SNV").DefaultTimeout();
    }

    /// <summary>Words of visible text that are neither Vietnamese syllables, allowed names, codes nor numbers.</summary>
    private static async Task<List<string>> EnglishWordsAsync(IPage page)
    {
        // Text marked as English (the language link) is English on purpose.
        var text = await page.EvaluateAsync<string>(
            "() => { const clone = document.body.cloneNode(true); clone.querySelectorAll('[lang=en], script, style, [hidden]').forEach(e => e.remove()); " +
            "document.body.appendChild(clone); clone.style.position = 'absolute'; const t = clone.innerText; clone.remove(); " +
            "const attrs = [...document.querySelectorAll('[placeholder],[title],[aria-label]')].filter(e => !e.closest('[lang=en]')).flatMap(e => [e.getAttribute('placeholder'), e.getAttribute('title'), e.getAttribute('aria-label')]).filter(Boolean); " +
            "return t + '\\n' + attrs.join('\\n'); }").DefaultTimeout();
        // Addresses are data, not words: sip:pt-x-hc@rooms.example, https://…
        text = Address().Replace(text, " ");
        // A record's id in the audit's object column is data too.
        text = GuidText().Replace(text, " ");
        return [.. Word().Matches(text).Select(m => m.Value).Where(w => !IsFine(w)).Distinct()];
    }

    private static bool IsFine(string word)
    {
        if (Allowed.Contains(word) || word.Any(c => c > '\u007f') || word.Length == 1)
        {
            return true;
        }

        // Codes and acronyms (PT-X-HC, UBND) are upper case; Vietnamese written without tone marks still follows its syllable shape.
        return word.All(char.IsUpper) || VietnameseSyllable().IsMatch(word.ToLowerInvariant());
    }

    private static async Task<List<string>> SmallTargetsAsync(IPage page) =>
        [.. await page.EvaluateAsync<string[]>(
            "() => [...document.querySelectorAll('button, a, select, input:not([type=hidden])')].filter(e => e.offsetParent !== null)" +
            ".map(e => [e, e.getBoundingClientRect()]).filter(([e, r]) => r.width > 0 && (r.width < 44 || r.height < 44))" +
            ".map(([e, r]) => (e.id || e.textContent.trim() || e.tagName) + ' ' + Math.round(r.width) + '×' + Math.round(r.height))").DefaultTimeout()];

    [GeneratedRegex(@"(sips?|https?|mailto):\S+|\S+@\S+")]
    private static partial Regex Address();

    [GeneratedRegex("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex GuidText();

    [GeneratedRegex(@"\p{L}+")]
    private static partial Regex Word();

    /// <summary>A Vietnamese syllable without its tone marks: initial consonant, vowels, final consonant.</summary>
    [GeneratedRegex("^(b|c|ch|d|g|gh|gi|h|k|kh|l|m|n|ng|ngh|nh|p|ph|qu|r|s|t|th|tr|v|x)?(a|e|i|o|u|y|ai|ao|au|ay|eo|eu|ia|ie|iu|oa|oe|oi|oo|ua|ue|ui|uo|uu|uy|ya|ye|yu|oai|oay|uoi|uou|uya|uye|uyu|ieu|yeu|uay)(c|ch|m|n|ng|nh|p|t)?$")]
    private static partial Regex VietnameseSyllable();

    [GeneratedRegex(@"^\d{2}/\d{2}/\d{4}$")]
    private static partial Regex DayPattern();

    [GeneratedRegex(@"^\d{2}:\d{2}$")]
    private static partial Regex TimePattern();
}
