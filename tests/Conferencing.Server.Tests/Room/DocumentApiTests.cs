using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Conferencing.Server.Documents;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Conferencing.Server.Tests.Room;

public sealed class DocumentApiTests : RoomTestBase
{
    [Fact]
    public async Task AnUploadedPdfIsStoredOutsideTheWebRootUnderItsSha256WithItsPagesCounted()
    {
        var bytes = SamplePdf.Create(3);
        var document = await UploadAsync(bytes, "../../etc/Báo cáo\u0000 quý III?.pdf", ("title", "Báo cáo quý III"), ("agendaItemId", AgendaItemId(1).ToString()));
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        Assert.Equal(sha, document.GetProperty("sha256").GetString());
        Assert.Equal(3, document.GetProperty("pageCount").GetInt32());
        Assert.Equal(bytes.Length, document.GetProperty("sizeBytes").GetInt64());
        Assert.Equal("Báo cáo quý III.pdf", document.GetProperty("fileName").GetString());
        Assert.Equal(AgendaItemId(1), document.GetProperty("agendaItemId").GetGuid());
        Assert.False(document.GetProperty("confidential").GetBoolean());
        var stored = Path.Combine(Factory.DocumentsPath, sha[..2], sha + ".pdf");
        Assert.Equal(bytes, await File.ReadAllBytesAsync(stored).DefaultTimeout());
        Assert.DoesNotContain("wwwroot", Path.GetFullPath(stored), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(Factory.DocumentsPath, "incoming")));

        var original = await Admin.GetAsync(new Uri($"/api/documents/{document.GetProperty("id")}/versions/1/file", UriKind.Relative)).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, original.StatusCode);
        Assert.Equal(bytes, await original.Content.ReadAsByteArrayAsync().DefaultTimeout());
    }

    public static TheoryData<string, byte[], string, string> Refusals() => new()
    {
        { "png", [0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10, 0, 0, 0, 13], "document.not-pdf", "PNG image" },
        { "docx", [(byte)'P', (byte)'K', 3, 4, 20, 0, 6, 0], "document.not-pdf", "ZIP archive" },
        { "cut short", [.. "%PDF-1.7\n1 0 obj\n<< /Type /Catalog"u8], "document.unreadable", "cannot be read" },
        { "empty", [], "document.empty", "empty" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task AnUploadThatIsNotAReadablePdfIsRefusedWithTheReasonAndLeavesNothing(string name, byte[] bytes, string code, string reason)
    {
        using var form = Upload(bytes, name + ".pdf");
        var response = await Admin.PostAsync(new Uri($"/api/meetings/{MeetingId}/documents", UriKind.Relative), form).DefaultTimeout();
        var problem = await ExpectProblem(response, HttpStatusCode.BadRequest);
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Contains(reason, problem.GetProperty("errors").GetProperty("file")[0].GetString(), StringComparison.Ordinal);
        Assert.Empty((await Admin.GetFromJsonAsync<List<object>>($"/api/meetings/{MeetingId}/documents", Json).DefaultTimeout())!);
        Assert.Empty(Directory.EnumerateFiles(Factory.DocumentsPath, "*.pdf", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFiles(Factory.DocumentsPath, "*.part", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task AFileOverTheLimitGets413NamingTheLimit()
    {
        await using var small = Factory.WithWebHostBuilder(b => b.UseSetting("Documents:MaxUploadBytes", "4096"));
        using var client = small.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true });
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = ConferencingFactory.AdminPassword }, Json).DefaultTimeout()).StatusCode);
        using var form = Upload(SamplePdf.Create(40), "lon.pdf");
        var response = await client.PostAsync(new Uri($"/api/meetings/{MeetingId}/documents", UriKind.Relative), form).DefaultTimeout();
        var problem = await ExpectProblem(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("document.too-large", problem.GetProperty("code").GetString());
        Assert.Equal(4096, problem.GetProperty("maxBytes").GetInt64());
    }

    [Fact]
    public async Task AMissingFileOrAJsonBodyIsRefusedWithTheFieldNamed()
    {
        using var noFile = new MultipartFormDataContent { { new StringContent("Tên"), "title" } };
        var problem = await ExpectProblem(await Admin.PostAsync(new Uri($"/api/meetings/{MeetingId}/documents", UriKind.Relative), noFile).DefaultTimeout(), HttpStatusCode.BadRequest);
        Assert.Equal("document.no-file", problem.GetProperty("code").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty("file", out _));

        var json = await Admin.PostAsJsonAsync($"/api/meetings/{MeetingId}/documents", new { title = "x" }, Json).DefaultTimeout();
        Assert.Equal("document.not-multipart", (await ExpectProblem(json, HttpStatusCode.UnsupportedMediaType)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task ABrokenMultipartBodyIsRefusedWithAProblem()
    {
        using var broken = new StringContent("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.7", System.Text.Encoding.UTF8);
        broken.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("multipart/form-data; boundary=b");
        var response = await Admin.PostAsync(new Uri($"/api/meetings/{MeetingId}/documents", UriKind.Relative), broken).DefaultTimeout();
        Assert.Equal("request.bad-form", (await ExpectProblem(response, HttpStatusCode.BadRequest)).GetProperty("code").GetString());
        Assert.Empty((await Admin.GetFromJsonAsync<List<object>>($"/api/meetings/{MeetingId}/documents", Json).DefaultTimeout())!);
    }

    [Fact]
    public async Task ANewVersionBecomesCurrentAndTheEarlierOneStaysReadable()
    {
        var first = SamplePdf.Create(2, "Dự thảo lần 1");
        var document = await UploadAsync(first, "du-thao.pdf");
        var id = document.GetProperty("id").GetGuid();
        using var form = Upload(SamplePdf.Create(4, "Dự thảo lần 2"), "du-thao-v2.pdf");
        var response = await Admin.PostAsync(new Uri($"/api/documents/{id}/versions", UriKind.Relative), form).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var updated = await ReadJson(response);
        Assert.Equal(2, updated.GetProperty("currentVersion").GetInt32());
        Assert.Equal(4, updated.GetProperty("pageCount").GetInt32());
        Assert.Equal("du-thao-v2.pdf", updated.GetProperty("fileName").GetString());
        Assert.Equal(2, updated.GetProperty("versions").GetArrayLength());
        Assert.Equal(first, await Admin.GetByteArrayAsync(new Uri($"/api/documents/{id}/versions/1/file", UriKind.Relative)).DefaultTimeout());
        var audit = await Admin.GetFromJsonAsync<List<Conferencing.Server.Store.AuditEntry>>($"/api/audit?entityType=document&entityId={id}", Json).DefaultTimeout();
        Assert.Equal(["document.version", "document.uploaded"], audit!.Select(a => a.Action));
    }

    [Fact]
    public async Task DocumentsKeepTheOrderGivenAndAnOrderThatLeavesOneOutIsRefused()
    {
        var a = (await UploadAsync(SamplePdf.Create(1), "a.pdf")).GetProperty("id").GetGuid();
        var b = (await UploadAsync(SamplePdf.Create(1), "b.pdf")).GetProperty("id").GetGuid();
        var c = (await UploadAsync(SamplePdf.Create(1), "c.pdf")).GetProperty("id").GetGuid();
        var reordered = await Admin.PutAsJsonAsync($"/api/meetings/{MeetingId}/documents/order", new { documentIds = new[] { c, a, b } }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, reordered.StatusCode);
        var list = await Admin.GetFromJsonAsync<List<DocumentApi.DocumentResponse>>($"/api/meetings/{MeetingId}/documents", Json).DefaultTimeout();
        Assert.Equal([c, a, b], list!.Select(d => d.Id));
        Assert.Equal([1, 2, 3], list!.Select(d => d.Order));

        var partial = await Admin.PutAsJsonAsync($"/api/meetings/{MeetingId}/documents/order", new { documentIds = new[] { a, b } }, Json).DefaultTimeout();
        var problem = await ExpectProblem(partial, HttpStatusCode.BadRequest);
        Assert.Equal("document.order-mismatch", problem.GetProperty("code").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty("documentIds", out _));
    }

    [Fact]
    public async Task TheConfidentialFlagIsSetAndAnUnknownAgendaItemIsRefused()
    {
        var id = (await UploadAsync(SamplePdf.Create(1), "mat.pdf", ("confidential", "true"))).GetProperty("id").GetGuid();
        var document = await Admin.GetFromJsonAsync<DocumentApi.DocumentResponse>($"/api/documents/{id}", Json).DefaultTimeout();
        Assert.True(document!.Confidential);
        var cleared = await Admin.PutAsJsonAsync($"/api/documents/{id}", new { confidential = false, title = "Công văn" }, Json).DefaultTimeout();
        Assert.False((await ReadJson(cleared)).GetProperty("confidential").GetBoolean());

        var bad = await Admin.PutAsJsonAsync($"/api/documents/{id}", new { agendaItemId = Guid.NewGuid() }, Json).DefaultTimeout();
        Assert.True((await ExpectProblem(bad, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("agendaItemId", out _));
    }

    [Fact]
    public async Task AWithdrawnDocumentLeavesTheListAndTechniciansCannotUpload()
    {
        var id = (await UploadAsync(SamplePdf.Create(1), "rut.pdf")).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.NoContent, (await Admin.DeleteAsync(new Uri($"/api/documents/{id}", UriKind.Relative)).DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Admin.GetAsync(new Uri($"/api/documents/{id}", UriKind.Relative)).DefaultTimeout()).StatusCode);

        using var technician = await Factory.StaffAsync("Technician");
        using var form = Upload(SamplePdf.Create(1), "x.pdf");
        Assert.Equal(HttpStatusCode.Forbidden, (await technician.PostAsync(new Uri($"/api/meetings/{MeetingId}/documents", UriKind.Relative), form).DefaultTimeout()).StatusCode);
    }

    [Theory]
    [InlineData("báo cáo.pdf", "báo cáo.pdf")]
    [InlineData("C:\\Users\\vp\\Desktop\\To trinh.PDF", "To trinh.pdf")]
    [InlineData("../../../etc/passwd", "passwd.pdf")]
    [InlineData("  ..  ", "tai-lieu.pdf")]
    [InlineData("a<b>c:d\"e|f?g*h.pdf", "abcdefgh.pdf")]
    [InlineData("evil\u202Efdp.exe", "evilfdp.exe.pdf")]
    public void FileNamesAreSanitized(string given, string expected)
    {
        Assert.Equal(expected, DocumentFiles.SanitizeFileName(given));
    }

    [Fact]
    public void ADecomposedVietnameseNameIsStoredComposed()
    {
        var decomposed = "Tờ trình.pdf".Normalize(System.Text.NormalizationForm.FormD);
        Assert.Equal("Tờ trình.pdf", DocumentFiles.SanitizeFileName(decomposed));
        Assert.True(DocumentFiles.SanitizeFileName(new string('ệ', 400)).Length <= DocumentFiles.MaxFileNameLength);
    }
}
