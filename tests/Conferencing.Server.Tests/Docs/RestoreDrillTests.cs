using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conferencing.Server.Store;
using Conferencing.Server.Tests.Infrastructure;

namespace Conferencing.Server.Tests.Docs;

/// <summary>
/// The restore drill of docs/operations/backup-and-restore.md, run as written there: ops/backup while
/// the server runs, ops/restore into a fresh place, a new server started on it.
/// </summary>
public sealed class RestoreDrillTests
{
    private static readonly JsonSerializerOptions Json = ConferencingFactory.Json;

    [Theory]
    [InlineData(StoreProvider.Sqlite)]
    [InlineData(StoreProvider.PostgreSql)]
    public async Task ARestoredBackupStartsWithTheMeetingTheDocumentAndTheKeys(StoreProvider provider)
    {
        var work = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "conferencing-tests", "drill-" + Guid.NewGuid().ToString("N")));
        var keyFile = Path.Combine(work.FullName, "live", "keys.kek");
        var restoredKeyFile = Path.Combine(work.FullName, "restored", "keys.kek");
        var pdf = SamplePdf.Create(2, "Báo cáo diễn tập khôi phục");

        await using var liveDatabase = await TestDatabase.CreateAsync(provider);
        await using var restoredDatabase = await TestDatabase.CreateAsync(provider);
        Guid meetingId;
        Guid documentId;
        string cookie;
        string archive;
        string key;
        await using (var live = new ConferencingFactory(liveDatabase, settings: new Dictionary<string, string?> { ["Security:KeyFile"] = keyFile }))
        {
            using var admin = await live.AdminAsync();
            await ImportSitesAsync(admin);
            meetingId = await ScheduleAsync(admin);
            documentId = await UploadAsync(admin, meetingId, pdf);
            cookie = await SignInCookieAsync(live);

            var (code, output, error) = await RunAsync("backup", "--store", liveDatabase.ConnectionString, "--documents", live.DocumentsPath, "--key-file", keyFile, "--out", Path.Combine(work.FullName, "backups"));
            Assert.True(code == 0, $"ops/backup exited {code}: {error}");
            var written = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            archive = Assert.Single(written, p => p.EndsWith(".tar.gz", StringComparison.Ordinal));
            key = Assert.Single(written, p => p.EndsWith(".key", StringComparison.Ordinal));

            // The server was running through the backup, and still is.
            Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(new Uri($"/api/meetings/{meetingId}", UriKind.Relative)).DefaultTimeout()).StatusCode);
        }

        await using var restored = new ConferencingFactory(restoredDatabase, settings: new Dictionary<string, string?> { ["Security:KeyFile"] = restoredKeyFile });
        var (restoreCode, _, restoreError) = await RunAsync("restore", "--from", archive, "--store", restoredDatabase.ConnectionString, "--documents", restored.DocumentsPath, "--key", key, "--key-file", restoredKeyFile);
        Assert.True(restoreCode == 0, $"ops/restore exited {restoreCode}: {restoreError}");

        // Restore never overwrites: a second run into the same place is refused and changes nothing.
        var (again, _, againError) = await RunAsync("restore", "--from", archive, "--store", restoredDatabase.ConnectionString, "--documents", restored.DocumentsPath);
        Assert.Equal(1, again);
        Assert.Contains("never overwrites", againError, StringComparison.Ordinal);

        using (var signedIn = restored.CreateClient(new() { AllowAutoRedirect = false }))
        {
            // A session signed before the backup still reads: the Data Protection keys and the key file came back together.
            using var me = new HttpRequestMessage(HttpMethod.Get, "/api/auth/me");
            me.Headers.Add("Cookie", cookie);
            var answer = await signedIn.SendAsync(me).DefaultTimeout();
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Equal("admin", (await answer.Content.ReadFromJsonAsync<JsonElement>(Json).DefaultTimeout()).GetProperty("username").GetString());
        }

        using var restoredAdmin = await restored.AdminAsync();
        var meeting = await restoredAdmin.GetFromJsonAsync<JsonElement>($"/api/meetings/{meetingId}", Json).DefaultTimeout();
        Assert.Equal("Diễn tập khôi phục", meeting.GetProperty("title").GetString());
        Assert.Equal(pdf, await restoredAdmin.GetByteArrayAsync(new Uri($"/api/documents/{documentId}/versions/1/file", UriKind.Relative)).DefaultTimeout());
    }

    private static async Task ImportSitesAsync(HttpClient admin)
    {
        using var content = new StringContent(Conferencing.Server.Sites.SiteFiles.ToCsv(Sample.MixedTree()), System.Text.Encoding.UTF8, "text/csv");
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync(new Uri("/api/sites/import", UriKind.Relative), content).DefaultTimeout()).StatusCode);
    }

    private static async Task<Guid> ScheduleAsync(HttpClient admin)
    {
        var start = new DateTimeOffset(DateTime.SpecifyKind(DateTime.UtcNow.Date.AddDays(2).AddHours(8), DateTimeKind.Unspecified), TimeSpan.FromHours(7));
        var response = await admin.PostAsJsonAsync("/api/meetings", new
        {
            title = "Diễn tập khôi phục",
            kind = "ProvinceHosted",
            hostSiteCode = "PT",
            startUtc = start,
            endUtc = start.AddHours(2),
            sites = new { subtrees = Array.Empty<string>(), sites = new[] { "PT-X-HC", "PT-X-PC" } },
        }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Json).DefaultTimeout()).GetProperty("id").GetGuid();
    }

    private static async Task<Guid> UploadAsync(HttpClient admin, Guid meetingId, byte[] pdf)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(pdf);
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/pdf");
        form.Add(file, "file", "bao-cao.pdf");
        form.Add(new StringContent("Báo cáo"), "title");
        var response = await admin.PostAsync(new Uri($"/api/meetings/{meetingId}/documents", UriKind.Relative), form).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Json).DefaultTimeout()).GetProperty("id").GetGuid();
    }

    /// <summary>The staff cookie as a browser would send it back.</summary>
    private static async Task<string> SignInCookieAsync(ConferencingFactory factory)
    {
        using var client = factory.CreateClient(new() { HandleCookies = false, AllowAutoRedirect = false });
        var response = await client.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = ConferencingFactory.AdminPassword }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return string.Join("; ", response.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(string script, params string[] args)
    {
        var start = new ProcessStartInfo("bash", [Sample.RepoFile("ops", script), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"ops/{script} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        return (process.ExitCode, await output.DefaultTimeout(), await error.DefaultTimeout());
    }
}
