using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Conferencing.Server.Tests.Infrastructure;
using Conferencing.Server.Tests.Room;
using Microsoft.Data.Sqlite;

namespace Conferencing.Server.Tests.Hosting;

/// <summary>What a browser is protected by on every response and every unsafe request, through the real pipeline.</summary>
public sealed class BrowserDefenceTests : RoomTestBase
{
    public static TheoryData<string, string> CrossSiteHeaders => new()
    {
        { "Origin", "https://evil.example" },
        { "Origin", "null" },
        { "Sec-Fetch-Site", "cross-site" },
        { "Sec-Fetch-Site", "same-site" },
    };

    [Theory]
    [MemberData(nameof(CrossSiteHeaders))]
    public async Task ACrossSitePostWithTheStaffCookieGets403AndChangesNothing(string header, string value)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/users")
        {
            Content = JsonContent.Create(new { username = "ke-gia-mao", displayName = "Forged", role = "Admin", password = "forged-password-1" }, options: Json),
        };
        request.Headers.Add(header, value);
        var response = await Admin.SendAsync(request).DefaultTimeout();

        var problem = await ExpectProblem(response, HttpStatusCode.Forbidden);
        Assert.Equal("request.cross-site", problem.GetProperty("code").GetString());
        var users = await Admin.GetFromJsonAsync<JsonElement>("/api/users", Json).DefaultTimeout();
        Assert.DoesNotContain(users.EnumerateArray(), u => u.GetProperty("username").GetString() == "ke-gia-mao");
    }

    [Fact]
    public async Task ASameOriginPostIsAccepted()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/users")
        {
            Content = JsonContent.Create(new { username = "cung-trang", displayName = "Same origin", role = "Technician", password = "same-origin-pass-1" }, options: Json),
        };
        request.Headers.Add("Origin", Admin.BaseAddress!.GetLeftPart(UriPartial.Authority));
        request.Headers.Add("Sec-Fetch-Site", "same-origin");
        Assert.Equal(HttpStatusCode.Created, (await Admin.SendAsync(request).DefaultTimeout()).StatusCode);
    }

    [Theory]
    [InlineData("/api/sites", null)]
    [InlineData("/", null)]
    [InlineData("/js/room.js", null)]
    [InlineData("/health", null)]
    [InlineData("/room/welcome", null)]
    public async Task EveryResponseCarriesTheBrowserDefenceHeaders(string path, string? referrerPolicy)
    {
        var response = await Admin.GetAsync(new Uri(path, UriKind.Relative)).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal(referrerPolicy ?? "strict-origin-when-cross-origin", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
    }

    public static TheoryData<string, byte[], string> ActivePdfs => new()
    {
        {
            "javascript-names", HandMadePdf.Create("/Names << /JavaScript 5 0 R >>", "<< /Names [(mo) 6 0 R] >>", "<< /S /JavaScript /JS (app.alert\\(1\\)) >>"),
            "JavaScript"
        },
        { "openaction-launch", HandMadePdf.Create("/OpenAction 5 0 R", "<< /S /Launch /F (calc.exe) >>"), "Launch" },
        // Names spelt with # escapes hide from a plain byte search; the object walk reads them decoded.
        {
            "escaped-javascript", HandMadePdf.Create("/Names << /J#61vaScript 5 0 R >>", "<< /Names [(mo) 6 0 R] >>", "<< /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>"),
            "JavaScript"
        },
        { "openaction-uri", HandMadePdf.Create("/OpenAction << /S /URI /URI (https://evil.example/) >>"), "OpenAction" },
    };

    [Theory]
    [MemberData(nameof(ActivePdfs))]
    public async Task APdfThatRunsSomethingIsRefusedWithItsCodeAndLeavesNothing(string name, byte[] bytes, string reason)
    {
        using var form = Upload(bytes, name + ".pdf");
        var response = await Admin.PostAsync(new Uri($"/api/meetings/{MeetingId}/documents", UriKind.Relative), form).DefaultTimeout();

        var problem = await ExpectProblem(response, HttpStatusCode.BadRequest);
        Assert.Equal("document.active-content", problem.GetProperty("code").GetString());
        Assert.Contains(reason, problem.GetProperty("errors").GetProperty("file")[0].GetString(), StringComparison.Ordinal);
        Assert.Empty((await Admin.GetFromJsonAsync<List<object>>($"/api/meetings/{MeetingId}/documents", Json).DefaultTimeout())!);
    }

    [Fact]
    public async Task APdfThatOnlyOpensAtItsFirstPageIsAccepted()
    {
        using var form = Upload(HandMadePdf.Create("/OpenAction [3 0 R /Fit]"), "mo-trang-1.pdf");
        var response = await Admin.PostAsync(new Uri($"/api/meetings/{MeetingId}/documents", UriKind.Relative), form).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task AStaffOriginalIsAnAttachmentInASandboxAndItsFilesAreOwnerOnly()
    {
        var document = await UploadAsync(SamplePdf.Create(2), "ban-goc.pdf");
        var id = document.GetProperty("id").GetGuid();
        var response = await Admin.GetAsync(new Uri($"/api/documents/{id}/versions/1/file", UriKind.Relative)).DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.StartsWith("sandbox", csp, StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);

        var file = Assert.Single(Directory.EnumerateFiles(Factory.DocumentsPath, "*.pdf", SearchOption.AllDirectories));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        for (var folder = Path.GetDirectoryName(file)!; folder.Length >= Factory.DocumentsPath.Length; folder = Path.GetDirectoryName(folder)!)
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
        }
    }

    [Fact]
    public async Task HealthNeverShowsTheStoreErrorText()
    {
        var path = new SqliteConnectionStringBuilder(Factory.Database.ConnectionString).DataSource;
        // A folder where the database was: every open now fails inside SQLite. The server's background
        // services may open (and so re-create) the file between the delete and the mkdir: try again.
        for (var attempt = 0; !Directory.Exists(path); attempt++)
        {
            SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(path + suffix);
            }

            try
            {
                Directory.CreateDirectory(path);
            }
            catch (IOException) when (attempt < 50)
            {
            }
        }

        try
        {
            var response = await Factory.CreateClient().GetAsync(new Uri("/health", UriKind.Relative)).DefaultTimeout();
            var body = await response.Content.ReadAsStringAsync().DefaultTimeout();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Contains("does not answer", body, StringComparison.Ordinal);
            Assert.DoesNotContain("SQLite Error", body, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("unable to open", body, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            Directory.Delete(path);
        }
    }

    [Fact]
    public async Task ACsvExportTurnsFormulaCellsIntoTextAndReadsThemBack()
    {
        var export = await Admin.GetStringAsync(new Uri("/api/sites/export?format=csv", UriKind.Relative)).DefaultTimeout();
        var fields = Server.Common.Csv.Read(export).First(r => r.Fields[0] == "PT-X-LT").Fields;
        const string formula = "=HYPERLINK(\"https://evil.example\";\"Mo\")";
        var added = $"PT-X-XSS,\"{formula.Replace("\"", "\"\"", StringComparison.Ordinal)}\",{fields[2]},{fields[3]},{fields[4]}";
        using var content = new StringContent(export.TrimStart('\uFEFF') + added + "\r\n", Encoding.UTF8, "text/csv");
        Assert.Equal(HttpStatusCode.OK, (await Admin.PostAsync(new Uri("/api/sites/import", UriKind.Relative), content).DefaultTimeout()).StatusCode);

        var again = await Admin.GetStringAsync(new Uri("/api/sites/export?format=csv", UriKind.Relative)).DefaultTimeout();
        var line = Assert.Single(again.Split("\r\n"), l => l.StartsWith("PT-X-XSS,", StringComparison.Ordinal));
        Assert.StartsWith("PT-X-XSS,\"'=HYPERLINK(", line, StringComparison.Ordinal);
        Assert.Single(Server.Common.Csv.Read(again), r => r.Fields[0] == "PT-X-XSS" && r.Fields[1] == formula);

        Assert.Equal("'@SUM(A1)", Server.Common.Csv.Neutralize("@SUM(A1)"));
        Assert.Equal("'\tcmd", Server.Common.Csv.Neutralize("\tcmd"));
        Assert.Equal("'+cmd|' /C calc'!A0", Server.Common.Csv.Neutralize("+cmd|' /C calc'!A0"));
        Assert.Equal("-12.5", Server.Common.Csv.Neutralize("-12.5"));
    }
}
