using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Conferencing.Server.Room;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Conferencing.Server.Tests.Room;

/// <summary>The QR flow over HTTP: room codes, tickets, invitations, delegate and display cookies.</summary>
public sealed class RoomAccessTests : RoomTestBase
{
    [Fact]
    public async Task ManyDevicesOpenOneRoomCodeEachGetsItsOwnTicketAndATicketIsSpentOnce()
    {
        var code = await RoomCodeAsync();
        using var first = Phone();
        using var second = Phone();
        var a = await OpenAsync(first, "/j/" + code);
        var b = await OpenAsync(second, "/j/" + code);
        Assert.NotEqual(a["t"], b["t"]);
        Assert.NotEqual(code, a["t"]);

        // A wrong PIN leaves the ticket unspent; the right one spends it and signs the phone in.
        var wrong = await ConfirmAsync(first, a, DelegateId(1), "000000").DefaultTimeout();
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Contains("data-testid=\"join-error\"", await wrong.Content.ReadAsStringAsync().DefaultTimeout(), StringComparison.Ordinal);
        var (_, pin) = await InvitationAsync(1);
        var ok = await ConfirmAsync(first, a, DelegateId(1), pin).DefaultTimeout();
        Assert.Equal(HttpStatusCode.SeeOther, ok.StatusCode);
        Assert.Equal("/d", ok.Headers.Location?.OriginalString);
        var state = await first.GetFromJsonAsync<JsonElement>("/d/api/state", Json).DefaultTimeout();
        Assert.Equal("Trần Thị Bình", state.GetProperty("me").GetProperty("name").GetString());
        Assert.Equal(MeetingId, state.GetProperty("meeting").GetProperty("id").GetGuid());

        var again = await ConfirmAsync(first, a, DelegateId(1), pin).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Gone, again.StatusCode);
        Assert.Contains("data-code=\"token.used\"", await again.Content.ReadAsStringAsync().DefaultTimeout(), StringComparison.Ordinal);

        // The other device's own ticket still works (the phone's last four digits do not: that proof is off unless the meeting allows it).
        Assert.Equal(HttpStatusCode.BadRequest, (await ConfirmAsync(second, b, DelegateId(0), "5678").DefaultTimeout()).StatusCode);
        var byPhone = await ConfirmAsync(second, b, DelegateId(0), (await InvitationAsync(0)).Pin).DefaultTimeout();
        Assert.Equal(HttpStatusCode.SeeOther, byPhone.StatusCode);
        var sessions = await Admin.GetFromJsonAsync<List<DelegateSession>>($"/api/meetings/{MeetingId}/delegate-sessions", Json).DefaultTimeout();
        Assert.Equal(2, sessions!.Count);
    }

    [Fact]
    public async Task AnInvitationConfirmsItsDelegateWithoutAPinOnceOnly()
    {
        var (url, _) = await InvitationAsync(2);
        var path = new Uri(url).PathAndQuery;
        using var phone = Phone();
        var fields = await OpenAsync(phone, path);
        // Opening it twice (a link previewer, then the person) spends nothing.
        await OpenAsync(phone, path);
        Assert.Equal(HttpStatusCode.SeeOther, (await ConfirmAsync(phone, fields, null, null).DefaultTimeout()).StatusCode);
        Assert.Equal("Lê Văn Cường", (await phone.GetFromJsonAsync<JsonElement>("/d/api/state", Json).DefaultTimeout()).GetProperty("me").GetProperty("name").GetString());

        using var thief = Phone();
        var reopened = await thief.GetAsync(new Uri(path, UriKind.Relative)).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Gone, reopened.StatusCode);
        Assert.Contains("token.used", await reopened.Content.ReadAsStringAsync().DefaultTimeout(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpiredAndTamperedCodesAreRefusedWithTheReason()
    {
        var key = await Factory.Services.GetRequiredService<RoomKeys>().GetAsync(CancellationToken.None).AsTask().DefaultTimeout();
        var expired = AccessTokens.Create(key, AccessTokenKind.Room, MeetingId, Guid.NewGuid(), DateTimeOffset.UtcNow.AddSeconds(-1));
        using var phone = Phone();
        var old = await phone.GetAsync(new Uri("/j/" + expired, UriKind.Relative)).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Gone, old.StatusCode);
        Assert.Contains("data-code=\"token.expired\"", await old.Content.ReadAsStringAsync().DefaultTimeout(), StringComparison.Ordinal);

        var code = await RoomCodeAsync();
        foreach (var forged in new[] { Flip(code, 10), Flip(code, code.Length - 3), code[..^1], code + "A", "not-a-code", AccessTokens.Create(new byte[32], AccessTokenKind.Room, MeetingId, Guid.NewGuid(), DateTimeOffset.UtcNow.AddMinutes(1)) })
        {
            var response = await phone.GetAsync(new Uri("/j/" + forged, UriKind.Relative)).DefaultTimeout();
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("data-code=\"token.invalid\"", await response.Content.ReadAsStringAsync().DefaultTimeout(), StringComparison.Ordinal);
        }

        // A ticket changed by one character is refused at the POST too.
        var fields = await OpenAsync(phone, "/j/" + code);
        fields["t"] = Flip(fields["t"], 20);
        var (_, pin) = await InvitationAsync(0);
        Assert.Equal(HttpStatusCode.BadRequest, (await ConfirmAsync(phone, fields, DelegateId(0), pin).DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await phone.GetAsync(new Uri("/d/api/state", UriKind.Relative)).DefaultTimeout()).StatusCode);
    }

    [Fact]
    public async Task AConfirmationWithoutTheAntiforgeryFieldIsRefused()
    {
        using var phone = Phone();
        var fields = await OpenAsync(phone, "/j/" + await RoomCodeAsync());
        var (_, pin) = await InvitationAsync(0);
        fields.Remove(fields.Keys.Single(k => k != "t"));
        Assert.Equal(HttpStatusCode.BadRequest, (await ConfirmAsync(phone, fields, DelegateId(0), pin).DefaultTimeout()).StatusCode);
    }

    [Fact]
    public async Task AConfirmationThatIsNotAFormOrIsBrokenGetsAPageNotAnError()
    {
        using var phone = Phone();
        var json = await phone.PostAsJsonAsync("/j", new { t = "x" }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.BadRequest, json.StatusCode);
        Assert.Contains("data-testid=\"notice\"", await json.Content.ReadAsStringAsync().DefaultTimeout(), StringComparison.Ordinal);

        using var broken = new StringContent("--b\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\nabc", System.Text.Encoding.UTF8);
        broken.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("multipart/form-data; boundary=b");
        var response = await phone.PostAsync(new Uri("/j", UriKind.Relative), broken).DefaultTimeout();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task RepeatedWrongPinsUseUpTheTicketButDoNotLockTheDelegateOut()
    {
        using var phone = Phone();
        var fields = await OpenAsync(phone, "/j/" + await RoomCodeAsync());
        for (var i = 0; i < PinThrottle.MaxAttemptsPerTicket; i++)
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await ConfirmAsync(phone, fields, DelegateId(0), "11111" + i).DefaultTimeout()).StatusCode);
        }

        // This page is used up, even with the right PIN; the delegate scans again and gets in.
        var (_, pin) = await InvitationAsync(0);
        Assert.Equal(HttpStatusCode.Gone, (await ConfirmAsync(phone, fields, DelegateId(0), pin).DefaultTimeout()).StatusCode);
        var again = await OpenAsync(phone, "/j/" + await RoomCodeAsync());
        Assert.NotEqual(fields["t"], again["t"]);
        Assert.Equal(HttpStatusCode.SeeOther, (await ConfirmAsync(phone, again, DelegateId(0), pin).DefaultTimeout()).StatusCode);
    }

    [Fact]
    public async Task ADelegateCookieOpensNothingOfStaffAndAStaffCookieIsNoDelegate()
    {
        using var phone = Phone();
        var fields = await OpenAsync(phone, "/j/" + await RoomCodeAsync());
        var (_, pin) = await InvitationAsync(0);
        Assert.Equal(HttpStatusCode.SeeOther, (await ConfirmAsync(phone, fields, DelegateId(0), pin).DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await phone.GetAsync(new Uri("/api/meetings", UriKind.Relative)).DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await phone.GetAsync(new Uri($"/api/meetings/{MeetingId}/documents", UriKind.Relative)).DefaultTimeout()).StatusCode);
        var staffPage = await phone.GetAsync(new Uri("/", UriKind.Relative)).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Redirect, staffPage.StatusCode);
        Assert.Contains("/login", staffPage.Headers.Location?.OriginalString ?? "", StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Unauthorized, (await Admin.GetAsync(new Uri("/d/api/state", UriKind.Relative)).DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Admin.GetAsync(new Uri("/display/api/state", UriKind.Relative)).DefaultTimeout()).StatusCode);

        // Signing the delegate out from the secretariat ends the phone's session.
        Assert.Equal(HttpStatusCode.OK, (await Admin.PostAsJsonAsync($"/api/meetings/{MeetingId}/delegates/{DelegateId(0)}/sign-out", new { }, Json).DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await phone.GetAsync(new Uri("/d/api/state", UriKind.Relative)).DefaultTimeout()).StatusCode);
    }

    [Fact]
    public async Task ADisplayLinkSignsInARoomTvThatShowsARotatingCodeAndIsRevocable()
    {
        Assert.Equal(HttpStatusCode.OK, (await Admin.PostAsJsonAsync($"/api/meetings/{MeetingId}/start", new { }, Json).DefaultTimeout()).StatusCode);
        var created = await Admin.PostAsJsonAsync("/api/sites/PT-X-HC/display-links", new { label = "TV phòng họp xã" }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var link = await ReadJson(created);
        using var tv = Phone();
        var signIn = await tv.GetAsync(new Uri(new Uri(link.GetProperty("url").GetString()!).PathAndQuery, UriKind.Relative)).DefaultTimeout();
        Assert.Equal(HttpStatusCode.SeeOther, signIn.StatusCode);
        Assert.Equal("/display", signIn.Headers.Location?.OriginalString);
        var page = await tv.GetAsync(new Uri("/display", UriKind.Relative)).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("frame-ancestors 'none'", string.Join(' ', page.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);

        var state = await tv.GetFromJsonAsync<JsonElement>("/display/api/state", Json).DefaultTimeout();
        Assert.Equal(MeetingId, state.GetProperty("meeting").GetProperty("id").GetGuid());
        Assert.Equal(30, state.GetProperty("rotateSeconds").GetInt32());
        var png = await tv.GetAsync(new Uri(state.GetProperty("qrImage").GetString()!, UriKind.Relative)).DefaultTimeout();
        Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);
        var next = await tv.GetFromJsonAsync<JsonElement>("/display/api/state", Json).DefaultTimeout();
        Assert.NotEqual(state.GetProperty("qrUrl").GetString(), next.GetProperty("qrUrl").GetString());

        // The display cookie is not a staff login, and a revoked link signs the TV out.
        Assert.Equal(HttpStatusCode.Unauthorized, (await tv.GetAsync(new Uri("/api/meetings", UriKind.Relative)).DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Admin.DeleteAsync(new Uri($"/api/display-links/{link.GetProperty("link").GetProperty("id")}", UriKind.Relative)).DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await tv.GetAsync(new Uri("/display/api/state", UriKind.Relative)).DefaultTimeout()).StatusCode);
        var reuse = await Phone().GetAsync(new Uri(new Uri(link.GetProperty("url").GetString()!).PathAndQuery, UriKind.Relative)).DefaultTimeout();
        Assert.Equal(HttpStatusCode.NotFound, reuse.StatusCode);
    }

    [Fact]
    public async Task AConfidentialDocumentIsServedStampedToTheViewerOnlyAndEveryOpenIsRecorded()
    {
        var document = await UploadAsync(SamplePdf.Create(2, "Phương án bảo vệ"), "mat.pdf", ("confidential", "true"));
        var plain = await UploadAsync(SamplePdf.Create(1, "Chương trình"), "ct.pdf");
        using var phone = Phone();
        var fields = await OpenAsync(phone, "/j/" + await RoomCodeAsync());
        var (_, pin) = await InvitationAsync(0);
        Assert.Equal(HttpStatusCode.SeeOther, (await ConfirmAsync(phone, fields, DelegateId(0), pin).DefaultTimeout()).StatusCode);

        var opened = await ReadJson(await phone.PostAsync(new Uri($"/d/api/documents/{document.GetProperty("id")}/open", UriKind.Relative), null).DefaultTimeout());
        Assert.True(opened.GetProperty("confidential").GetBoolean());
        var url = new Uri(opened.GetProperty("url").GetString()!, UriKind.Relative);

        using var navigation = new HttpRequestMessage(HttpMethod.Get, url);
        navigation.Headers.Add("Sec-Fetch-Mode", "navigate");
        navigation.Headers.Add("Sec-Fetch-Dest", "document");
        var refused = await phone.SendAsync(navigation).DefaultTimeout();
        Assert.Equal("document.view-only", (await ExpectProblem(refused, HttpStatusCode.Forbidden)).GetProperty("code").GetString());

        using var fetch = new HttpRequestMessage(HttpMethod.Get, url);
        fetch.Headers.Add("Sec-Fetch-Mode", "cors");
        fetch.Headers.Add("Sec-Fetch-Dest", "empty");
        var served = await phone.SendAsync(fetch).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal("no-store", served.Headers.CacheControl?.ToString());
        Assert.Equal("inline", served.Content.Headers.ContentDisposition?.ToString());
        using (var pdf = UglyToad.PdfPig.PdfDocument.Open(await served.Content.ReadAsByteArrayAsync().DefaultTimeout()))
        {
            Assert.Contains("Nguyễn Văn An · UBND xã Hy Cương", string.Join(' ', pdf.GetPage(2).GetWords().Select(w => w.Text)), StringComparison.Ordinal);
        }

        // Range requests work, for the viewer's lazy loading.
        using var range = new HttpRequestMessage(HttpMethod.Get, url);
        range.Headers.Add("Sec-Fetch-Mode", "cors");
        range.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(0, 99);
        var part = await phone.SendAsync(range).DefaultTimeout();
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal(100, (await part.Content.ReadAsByteArrayAsync().DefaultTimeout()).Length);

        // Another delegate cannot fetch this open's copy.
        using var other = Phone();
        var otherFields = await OpenAsync(other, "/j/" + await RoomCodeAsync());
        var (_, pin2) = await InvitationAsync(1);
        Assert.Equal(HttpStatusCode.SeeOther, (await ConfirmAsync(other, otherFields, DelegateId(1), pin2).DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync(url).DefaultTimeout()).StatusCode);

        var plainOpen = await ReadJson(await phone.PostAsync(new Uri($"/d/api/documents/{plain.GetProperty("id")}/open", UriKind.Relative), null).DefaultTimeout());
        Assert.False(plainOpen.GetProperty("confidential").GetBoolean());

        var opens = await Admin.GetFromJsonAsync<JsonElement>($"/api/meetings/{MeetingId}/document-opens", Json).DefaultTimeout();
        Assert.Equal(2, opens.GetArrayLength());
        var first = opens.EnumerateArray().Single(o => o.GetProperty("documentId").GetGuid() == document.GetProperty("id").GetGuid());
        Assert.Equal("Nguyễn Văn An", first.GetProperty("readerName").GetString());
        Assert.True(first.GetProperty("stamped").GetBoolean());
        Assert.False(string.IsNullOrEmpty(first.GetProperty("device").GetString()));
    }

    [Fact]
    public async Task EachDelegatesPrintedInvitationCarriesAQrCodeOfItsOwnLinkAndItsPin()
    {
        var (url, pin) = await InvitationAsync(1);
        var png = await Admin.GetByteArrayAsync(new Uri($"/api/meetings/{MeetingId}/delegates/{DelegateId(1)}/invitation.png", UriKind.Relative)).DefaultTimeout();
        var decoded = await ZbarAsync(png);
        Assert.StartsWith("http://localhost/j/", decoded, StringComparison.Ordinal);
        Assert.Equal(new Uri(url).Host, new Uri(decoded).Host);
        var svg = await Admin.GetAsync(new Uri($"/api/meetings/{MeetingId}/delegates/{DelegateId(1)}/invitation.svg", UriKind.Relative)).DefaultTimeout();
        Assert.Equal("image/svg+xml", svg.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<svg", await svg.Content.ReadAsStringAsync().DefaultTimeout(), StringComparison.Ordinal);

        var page = await Admin.GetStringAsync(new Uri($"/meetings/{MeetingId}/invitations", UriKind.Relative)).DefaultTimeout();
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Count(page, "data-testid=\"invitation\""));
        Assert.Contains(pin, page, StringComparison.Ordinal);
        Assert.Contains("Trần Thị Bình", page, StringComparison.Ordinal);

        // The printed code works once, like any invitation.
        using var phone = Phone();
        var fields = await OpenAsync(phone, new Uri(decoded).PathAndQuery);
        Assert.Equal(HttpStatusCode.SeeOther, (await ConfirmAsync(phone, fields, null, null).DefaultTimeout()).StatusCode);
    }

    private static async Task<string> ZbarAsync(byte[] png)
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("qr").FullName, "code.png");
        await File.WriteAllBytesAsync(file, png).DefaultTimeout();
        using var zbar = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("zbarimg", ["--raw", "-q", file]) { RedirectStandardOutput = true })!;
        var text = await zbar.StandardOutput.ReadToEndAsync().DefaultTimeout();
        await zbar.WaitForExitAsync().DefaultTimeout();
        Assert.Equal(0, zbar.ExitCode);
        return text.Trim();
    }

    private static string Flip(string code, int at) => code[..at] + (code[at] == 'A' ? 'B' : 'A') + code[(at + 1)..];

}
