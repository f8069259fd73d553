using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conferencing.Server.Store;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Conferencing.Server.Tests.Room;

/// <summary>Stamped copies of confidential documents: who they name, how many, how long they live.</summary>
public sealed class ConfidentialCopyTests : RoomTestBase
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Documents:StampedCopySweepInterval"] = "00:00:00.200",
        ["Documents:MaxStampedCopiesPerMinute"] = "3",
    };

    [Fact]
    public async Task TwoDelegatesWithTheSameNameGetCopiesWhoseStampTextDiffers()
    {
        var body = new
        {
            title = "Họp tổ công tác",
            kind = "ProvinceHosted",
            hostSiteCode = "PT",
            startUtc = Tomorrow(14),
            endUtc = Tomorrow(14).AddHours(2),
            sites = new { subtrees = Array.Empty<string>(), sites = new[] { "PT-X-HC" } },
            delegates = new object[]
            {
                new { name = "Nguyễn Văn An", title = "Chuyên viên", unit = "UBND xã Hy Cương", siteCode = "PT-X-HC", phone = (string?)null },
                new { name = "Nguyễn Văn An", title = "Chuyên viên", unit = "UBND xã Hy Cương", siteCode = "PT-X-HC", phone = (string?)null },
            },
            agenda = Array.Empty<object>(),
        };
        var meeting = await ReadJson(await Admin.PostAsJsonAsync("/api/meetings", body, Json).DefaultTimeout());
        var meetingId = meeting.GetProperty("id").GetGuid();
        using var form = Upload(SamplePdf.Create(1, "Phương án"), "mat.pdf", ("confidential", "true"));
        var document = await ReadJson(await Admin.PostAsync(new Uri($"/api/meetings/{meetingId}/documents", UriKind.Relative), form).DefaultTimeout());

        List<(string OpenId, string Text)> copies = [];
        foreach (var person in meeting.GetProperty("delegates").EnumerateArray())
        {
            var invitation = await Admin.GetFromJsonAsync<JsonElement>($"/api/meetings/{meetingId}/delegates/{person.GetProperty("id")}/invitation", Json).DefaultTimeout();
            using var phone = Phone();
            var fields = await OpenAsync(phone, new Uri(invitation.GetProperty("url").GetString()!).AbsolutePath);
            Assert.Equal(HttpStatusCode.SeeOther, (await ConfirmAsync(phone, fields, null, null).DefaultTimeout()).StatusCode);
            var (openId, text) = await OpenCopyAsync(phone, "/d/api/documents/", document.GetProperty("id").GetGuid());
            copies.Add((openId, text));
        }

        Assert.All(copies, c => Assert.Contains("Nguyễn Văn An · UBND xã Hy Cương", c.Text, StringComparison.Ordinal));
        Assert.All(copies, c => Assert.Contains("#" + c.OpenId.Replace("-", "", StringComparison.Ordinal)[..8], c.Text, StringComparison.Ordinal));
        Assert.NotEqual(StampLine(copies[0].Text), StampLine(copies[1].Text));
    }

    [Fact]
    public async Task ARoomDisplaysCopyNamesTheSiteAndTheDisplayLinksLabelButNotItsSecret()
    {
        Assert.Equal(HttpStatusCode.OK, (await Admin.PostAsJsonAsync($"/api/meetings/{MeetingId}/prepare", new { }, Json).DefaultTimeout()).StatusCode);
        var document = await UploadAsync(SamplePdf.Create(1, "Phương án"), "mat.pdf", ("confidential", "true"));
        var link = await ReadJson(await Admin.PostAsJsonAsync("/api/sites/PT-X-HC/display-links", new { label = "TV hội trường tầng 2" }, Json).DefaultTimeout());
        var linkPath = new Uri(link.GetProperty("url").GetString()!).AbsolutePath;
        using var tv = Phone();
        Assert.Equal(HttpStatusCode.SeeOther, (await tv.GetAsync(new Uri(linkPath, UriKind.Relative)).DefaultTimeout()).StatusCode);

        var (_, text) = await OpenCopyAsync(tv, "/display/api/documents/", document.GetProperty("id").GetGuid());
        var site = (await tv.GetFromJsonAsync<JsonElement>("/display/api/state", Json).DefaultTimeout()).GetProperty("siteName").GetString()!;
        Assert.Contains($"TÀI LIỆU MẬT · {site} · Màn hình phòng họp: TV hội trường tầng 2 ·", text, StringComparison.Ordinal);
        Assert.DoesNotContain(linkPath["/display/link/".Length..], text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStampedCopyIsRefusedAfterItsLifetimeAndTheSweeperDeletesItsFile()
    {
        var document = await UploadAsync(SamplePdf.Create(1, "Phương án"), "mat.pdf", ("confidential", "true"));
        using var phone = await DelegatePhoneAsync(0);
        var (openId, _) = await OpenCopyAsync(phone, "/d/api/documents/", document.GetProperty("id").GetGuid());
        var file = Path.Combine(Factory.DocumentsPath, "stamped", Guid.Parse(openId).ToString("N") + ".pdf");
        Assert.True(File.Exists(file));

        // Past its lifetime (2 h by default) by the open's own time: refused though the file is still there.
        var database = Factory.Services.GetRequiredService<Database>();
        await using (var connection = await database.OpenAsync(CancellationToken.None).DefaultTimeout())
        {
            await connection.ExecuteAsync(null, "UPDATE document_opens SET opened_utc = @t WHERE id = @id", CancellationToken.None,
                ("t", database.ToDb(DateTimeOffset.UtcNow.AddHours(-3))), ("id", openId)).DefaultTimeout();
        }

        var late = await FetchAsync(phone, $"/d/api/opens/{openId}/file");
        Assert.Equal("document.copy-expired", (await ExpectProblem(late, HttpStatusCode.Gone)).GetProperty("code").GetString());
        Assert.True(File.Exists(file));

        // The background sweep deletes a file past its lifetime without anyone opening anything.
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddHours(-3));
        var deadline = DateTime.UtcNow + TaskTimeouts.Default;
        while (File.Exists(file))
        {
            Assert.True(DateTime.UtcNow < deadline, "The sweeper never deleted the expired copy.");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task OneReaderGetsOnlyAFewStampedCopiesAMinuteWhileOthersStillGetTheirs()
    {
        var document = await UploadAsync(SamplePdf.Create(1, "Phương án"), "mat.pdf", ("confidential", "true"));
        var plain = await UploadAsync(SamplePdf.Create(1, "Chương trình"), "ct.pdf");
        using var greedy = await DelegatePhoneAsync(0);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await greedy.PostAsync(new Uri($"/d/api/documents/{document.GetProperty("id")}/open", UriKind.Relative), null).DefaultTimeout()).StatusCode);
        }

        var refused = await greedy.PostAsync(new Uri($"/d/api/documents/{document.GetProperty("id")}/open", UriKind.Relative), null).DefaultTimeout();
        Assert.Equal("document.too-many-copies", (await ExpectProblem(refused, HttpStatusCode.TooManyRequests)).GetProperty("code").GetString());
        Assert.NotNull(refused.Headers.RetryAfter);

        // Documents that need no stamping, and other readers, are not held up.
        Assert.Equal(HttpStatusCode.OK, (await greedy.PostAsync(new Uri($"/d/api/documents/{plain.GetProperty("id")}/open", UriKind.Relative), null).DefaultTimeout()).StatusCode);
        using var other = await DelegatePhoneAsync(1);
        Assert.Equal(HttpStatusCode.OK, (await other.PostAsync(new Uri($"/d/api/documents/{document.GetProperty("id")}/open", UriKind.Relative), null).DefaultTimeout()).StatusCode);
    }

    private static async Task<(string OpenId, string Text)> OpenCopyAsync(HttpClient client, string prefix, Guid documentId)
    {
        var opened = await ReadJson(await client.PostAsync(new Uri($"{prefix}{documentId}/open", UriKind.Relative), null).DefaultTimeout());
        var served = await FetchAsync(client, opened.GetProperty("url").GetString()!);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        using var pdf = UglyToad.PdfPig.PdfDocument.Open(await served.Content.ReadAsByteArrayAsync().DefaultTimeout());
        return (opened.GetProperty("openId").GetString()!, string.Join(' ', pdf.GetPage(1).GetWords().Select(w => w.Text)));
    }

    private static Task<HttpResponseMessage> FetchAsync(HttpClient client, string url)
    {
        var fetch = new HttpRequestMessage(HttpMethod.Get, new Uri(url, UriKind.Relative));
        fetch.Headers.Add("Sec-Fetch-Mode", "cors");
        return client.SendAsync(fetch).DefaultTimeout();
    }

    private static string StampLine(string text)
    {
        var start = text.IndexOf("TÀI LIỆU MẬT", StringComparison.Ordinal);
        var end = text.IndexOf('#', start);
        return text[start..(end + 9)];
    }
}
