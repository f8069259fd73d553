using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Conferencing.Server.Tests.Api;
using Conferencing.Server.Tests.Infrastructure;

namespace Conferencing.Server.Tests.Room;

/// <summary>A meeting with delegates and an agenda, ready for documents, delegates and votes.</summary>
public abstract class RoomTestBase : ApiTestBase
{
    protected Guid MeetingId { get; private set; }

    protected JsonElement Meeting { get; private set; }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var body = new
        {
            title = "Hội nghị trực tuyến giao ban quý III",
            kind = "ProvinceHosted",
            hostSiteCode = "PT",
            startUtc = Tomorrow(8),
            endUtc = Tomorrow(8).AddHours(3),
            sites = new { subtrees = Array.Empty<string>(), sites = new[] { "PT-X-HC", "PT-X-PC" } },
            delegates = new object[]
            {
                new { name = "Nguyễn Văn An", title = "Chủ tịch", unit = "UBND xã Hy Cương", siteCode = "PT-X-HC", phone = "0912 345 678" },
                new { name = "Trần Thị Bình", title = "Phó Chủ tịch", unit = "UBND xã Pà Cò", siteCode = "PT-X-PC", phone = (string?)null },
                new { name = "Lê Văn Cường", title = "Giám đốc", unit = "Sở Tài chính", siteCode = "PT", phone = "+84 988 000 111" },
            },
            agenda = new object[]
            {
                new { title = "Khai mạc", presenter = "Văn phòng UBND tỉnh", durationMinutes = 10 },
                new { title = "Báo cáo kinh tế - xã hội", presenter = "Sở Tài chính", durationMinutes = 40 },
            },
        };
        var created = await Admin.PostAsJsonAsync("/api/meetings", body, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Meeting = await ReadJson(created);
        MeetingId = Meeting.GetProperty("id").GetGuid();
    }

    protected Guid DelegateId(int index) => Meeting.GetProperty("delegates")[index].GetProperty("id").GetGuid();

    protected Guid AgendaItemId(int index) => Meeting.GetProperty("agenda")[index].GetProperty("id").GetGuid();

    protected static MultipartFormDataContent Upload(byte[] bytes, string fileName, params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        form.Add(file, "file", fileName);
        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(value), name);
        }

        return form;
    }

    protected async Task<JsonElement> UploadAsync(byte[] bytes, string fileName, params (string Name, string Value)[] fields)
    {
        using var form = Upload(bytes, fileName, fields);
        var response = await Admin.PostAsync(new Uri($"/api/meetings/{MeetingId}/documents", UriKind.Relative), form).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await ReadJson(response);
    }
}
