using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Conferencing.Server.Room;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Conferencing.Server.Tests.Infrastructure;

namespace Conferencing.Server.Tests.Room;

/// <summary>A meeting with delegates and an agenda, ready for documents, delegates and votes.</summary>
public abstract partial class RoomTestBase : ApiTestBase
{
    protected HttpClient Phone() => Factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true, AllowAutoRedirect = false });

    protected async Task<string> RoomCodeAsync() =>
        (await Factory.Services.GetRequiredService<DelegateAccess>().RoomCodeAsync(MeetingId, CancellationToken.None).DefaultTimeout()).Token;

    protected async Task<(string Url, string Pin)> InvitationAsync(int delegateIndex)
    {
        var invitation = await Admin.GetFromJsonAsync<JsonElement>($"/api/meetings/{MeetingId}/delegates/{DelegateId(delegateIndex)}/invitation", Json).DefaultTimeout();
        return (invitation.GetProperty("url").GetString()!, invitation.GetProperty("pin").GetString()!);
    }

    /// <summary>Opens a code's page and returns the form fields it carries.</summary>
    protected static async Task<Dictionary<string, string>> OpenAsync(HttpClient phone, string path)
    {
        var response = await phone.GetAsync(new Uri(path, UriKind.Relative)).DefaultTimeout();
        var html = await response.Content.ReadAsStringAsync().DefaultTimeout();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {html}");
        Assert.True(response.Headers.CacheControl?.NoStore);
        return HiddenField().Matches(html).ToDictionary(m => m.Groups[1].Value, m => WebUtility.HtmlDecode(m.Groups[2].Value));
    }

    protected static Task<HttpResponseMessage> ConfirmAsync(HttpClient phone, Dictionary<string, string> fields, Guid? delegateId, string? secret)
    {
        var form = new Dictionary<string, string>(fields);
        if (delegateId is { } d)
        {
            form["delegate"] = d.ToString();
        }

        if (secret is not null)
        {
            form["secret"] = secret;
        }

        return phone.PostAsync(new Uri("/j", UriKind.Relative), new FormUrlEncodedContent(form));
    }

    /// <summary>A phone signed in as delegate <paramref name="index"/> through a room code and the PIN.</summary>
    protected async Task<HttpClient> DelegatePhoneAsync(int index)
    {
        var phone = Phone();
        var fields = await OpenAsync(phone, "/j/" + await RoomCodeAsync());
        var (_, pin) = await InvitationAsync(index);
        Assert.Equal(HttpStatusCode.SeeOther, (await ConfirmAsync(phone, fields, DelegateId(index), pin).DefaultTimeout()).StatusCode);
        return phone;
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\"")]
    private static partial Regex HiddenField();

    protected Guid MeetingId { get; private set; }

    protected JsonElement Meeting { get; private set; }

    /// <summary>
    /// Only the host has a room system: the delegates' communes here are paperless rooms, so the
    /// floor can go to them (a commune whose room system is out of the call cannot take it).
    /// </summary>
    protected override string[] EndpointSites => ["PT"];

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
