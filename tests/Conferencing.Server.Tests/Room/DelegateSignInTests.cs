using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Conferencing.Server.Tests.Room;

/// <summary>Signing in when a whole room scans at once, and when someone guesses PINs.</summary>
public sealed partial class DelegateSignInTests : RoomTestBase
{
    private const int TicketsPerAddress = 120;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Room:MaxPinDelay"] = "00:00:03",
        ["Room:TicketsPerAddressPerMinute"] = TicketsPerAddress.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    [Fact]
    public async Task ADeviceOpeningTheRoomCodeAgainGetsItsOwnTicketBackUntilItIsSpent()
    {
        var code = await RoomCodeAsync();
        using var phone = Phone();
        var first = await OpenAsync(phone, "/j/" + code);
        var again = await OpenAsync(phone, "/j/" + await RoomCodeAsync());
        Assert.Equal(first["t"], again["t"]);
        using var other = Phone();
        Assert.NotEqual(first["t"], (await OpenAsync(other, "/j/" + code))["t"]);

        Assert.Equal(HttpStatusCode.SeeOther, (await ConfirmAsync(phone, again, DelegateId(0), (await InvitationAsync(0)).Pin).DefaultTimeout()).StatusCode);
        Assert.NotEqual(first["t"], (await OpenAsync(phone, "/j/" + code))["t"]);
    }

    [Fact]
    public async Task AHundredPhonesBehindOneAddressAllGetTicketsAndTheAddressIsBoundedBeyondThat()
    {
        // The test server gives every request the same (absent) address: one NAT for the whole room.
        var code = await RoomCodeAsync();
        var tickets = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < TicketsPerAddress; i++)
        {
            using var phone = Phone();
            tickets.Add((await OpenAsync(phone, "/j/" + code))["t"]);
        }

        Assert.Equal(TicketsPerAddress, tickets.Count);
        using var oneTooMany = Phone();
        var refused = await oneTooMany.GetAsync(new Uri("/j/" + code, UriKind.Relative)).DefaultTimeout();
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Contains("data-code=\"join.too-many\"", await refused.Content.ReadAsStringAsync().DefaultTimeout(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWrongPinFloodHoldsTheDeviceHardButOnlySlowsTheRealDelegate()
    {
        var pin = (await InvitationAsync(0)).Pin;
        var wrong = pin == "000000" ? "111111" : "000000";
        using var attacker = Phone();
        var fields = await OpenAsync(attacker, "/j/" + await RoomCodeAsync());
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await ConfirmAsync(attacker, fields, DelegateId(0), wrong).DefaultTimeout()).StatusCode);
        }

        // The ticket had its five checks: the device must scan again.
        var exhausted = await ConfirmAsync(attacker, fields, DelegateId(0), pin).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Gone, exhausted.StatusCode);
        Assert.Contains("data-code=\"token.exhausted\"", await exhausted.Content.ReadAsStringAsync().DefaultTimeout(), StringComparison.Ordinal);

        // A fresh ticket: past the free tries, each wrong PIN makes the next one wait (1 s, 2 s, then
        // the 3 s cap); a try during the wait is refused unchecked and costs the ticket nothing.
        using var attacker2 = Phone();
        var fields2 = await OpenAsync(attacker2, "/j/" + await RoomCodeAsync());
        var refusedWhileWaiting = await FloodAsync(attacker2, fields2, DelegateId(0), wrong, 3);
        Assert.True(refusedWhileWaiting > 0);

        // The real delegate is told to wait seconds (at most Room:MaxPinDelay), never locked out.
        using var real = Phone();
        var realFields = await OpenAsync(real, "/j/" + await RoomCodeAsync());
        var started = DateTime.UtcNow;
        HttpStatusCode status;
        var tries = 0;
        do
        {
            tries++;
            status = (await ConfirmAsync(real, realFields, DelegateId(0), pin).DefaultTimeout()).StatusCode;
            if (status == HttpStatusCode.TooManyRequests)
            {
                await Task.Delay(250);
            }
        }
        while (status == HttpStatusCode.TooManyRequests && DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
        // In at most a few seconds (the loop gives up after 10; a lockout would be a minute or more).
        Assert.True(status == HttpStatusCode.SeeOther, $"the real delegate was still refused after {tries} tries: {status}");
    }

    [Fact]
    public async Task ThrottlesLiveInTheStoreSoAnotherNodeOnTheSameDatabaseSeesThem()
    {
        var pin = (await InvitationAsync(0)).Pin;
        var wrong = pin == "000000" ? "111111" : "000000";
        using var phone = Phone();
        var fields = await OpenAsync(phone, "/j/" + await RoomCodeAsync());
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await ConfirmAsync(phone, fields, DelegateId(1), wrong).DefaultTimeout()).StatusCode);
        }

        // A second node (a restart looks the same: a fresh process over the same store).
        await using var other = new ConferencingFactory(Factory.Database);
        using var there = other.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true, AllowAutoRedirect = false });
        var thereFields = await OpenAsync(there, "/j/" + await RoomCodeAsync());
        var spentTicket = new Dictionary<string, string>(thereFields) { ["t"] = fields["t"] };
        var refused = await ConfirmAsync(there, spentTicket, DelegateId(1), pin).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Gone, refused.StatusCode);
        Assert.Contains("data-code=\"token.exhausted\"", await refused.Content.ReadAsStringAsync().DefaultTimeout(), StringComparison.Ordinal);

        // The delegate's count is shared too: wrong PINs on this node make the first node's next try wait.
        await FloodAsync(there, thereFields, DelegateId(1), wrong, 3);
        using var third = Phone();
        var thirdFields = await OpenAsync(third, "/j/" + await RoomCodeAsync());
        var paused = await ConfirmAsync(third, thirdFields, DelegateId(1), pin).DefaultTimeout();
        Assert.Equal(HttpStatusCode.TooManyRequests, paused.StatusCode);
        Assert.Contains("data-testid=\"join-error\"", await paused.Content.ReadAsStringAsync().DefaultTimeout(), StringComparison.Ordinal);
    }

    /// <summary>Posts wrong PINs until <paramref name="failures"/> were checked, waiting out each pause; the number of tries refused while paused.</summary>
    private static async Task<int> FloodAsync(HttpClient phone, Dictionary<string, string> fields, Guid delegateId, string wrong, int failures)
    {
        var paused = 0;
        var deadline = DateTime.UtcNow + TaskTimeouts.Default;
        while (failures > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the flood never got its wrong PINs checked");
            var status = (await ConfirmAsync(phone, fields, delegateId, wrong).DefaultTimeout()).StatusCode;
            if (status == HttpStatusCode.TooManyRequests)
            {
                paused++;
                await Task.Delay(200);
                continue;
            }

            Assert.Equal(HttpStatusCode.BadRequest, status);
            failures--;
        }

        return paused;
    }

    [Fact]
    public async Task ThePhonesLastFourDigitsProveNothingUntilTheMeetingAllowsIt()
    {
        Assert.False(Meeting.GetProperty("phoneDigitsProof").GetBoolean());
        using var phone = Phone();
        var fields = await OpenAsync(phone, "/j/" + await RoomCodeAsync());
        var refused = await ConfirmAsync(phone, fields, DelegateId(0), "5678").DefaultTimeout();
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.DoesNotContain("4 số cuối", await refused.Content.ReadAsStringAsync().DefaultTimeout(), StringComparison.Ordinal);

        var updated = await Admin.PutAsJsonAsync($"/api/meetings/{MeetingId}", new { version = Meeting.GetProperty("version").GetInt32(), phoneDigitsProof = true }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.True((await ReadJson(updated)).GetProperty("phoneDigitsProof").GetBoolean());
        Assert.True((await Admin.GetFromJsonAsync<JsonElement>($"/api/meetings/{MeetingId}", Json).DefaultTimeout()).GetProperty("phoneDigitsProof").GetBoolean());

        using var again = Phone();
        var page = await again.GetAsync(new Uri("/j/" + await RoomCodeAsync(), UriKind.Relative)).DefaultTimeout();
        Assert.Contains("4 số cuối", await page.Content.ReadAsStringAsync().DefaultTimeout(), StringComparison.Ordinal);
        var allowed = await OpenAsync(again, "/j/" + await RoomCodeAsync());
        Assert.Equal(HttpStatusCode.SeeOther, (await ConfirmAsync(again, allowed, DelegateId(0), "5678").DefaultTimeout()).StatusCode);
    }

    [Fact]
    public async Task AReissuedPinAndInvitationReplaceTheOldOnes()
    {
        var (oldUrl, oldPin) = await InvitationAsync(1);
        var reissued = await Admin.PostAsync(new Uri($"/api/meetings/{MeetingId}/delegates/{DelegateId(1)}/pin", UriKind.Relative), null).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, reissued.StatusCode);
        var fresh = await ReadJson(reissued);
        var (newUrl, newPin) = (fresh.GetProperty("url").GetString()!, fresh.GetProperty("pin").GetString()!);
        Assert.NotEqual(oldPin, newPin);
        Assert.NotEqual(oldUrl, newUrl);
        Assert.Equal((newUrl, newPin), await InvitationAsync(1));

        using var phone = Phone();
        var fields = await OpenAsync(phone, "/j/" + await RoomCodeAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await ConfirmAsync(phone, fields, DelegateId(1), oldPin).DefaultTimeout()).StatusCode);
        var oldInvitation = await Phone().GetAsync(new Uri(new Uri(oldUrl).AbsolutePath, UriKind.Relative)).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Gone, oldInvitation.StatusCode);
        Assert.Contains("data-code=\"token.reissued\"", await oldInvitation.Content.ReadAsStringAsync().DefaultTimeout(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.SeeOther, (await ConfirmAsync(phone, fields, DelegateId(1), newPin).DefaultTimeout()).StatusCode);
        using var paper = Phone();
        var invited = await OpenAsync(paper, new Uri(newUrl).AbsolutePath);
        Assert.Equal(HttpStatusCode.SeeOther, (await ConfirmAsync(paper, invited, null, null).DefaultTimeout()).StatusCode);
    }

    [Fact]
    public async Task TheInvitationsPagesButtonReissuesOneDelegatesPin()
    {
        var (_, before) = await InvitationAsync(2);
        var page = await (await Admin.GetAsync(new Uri($"/meetings/{MeetingId}/invitations", UriKind.Relative)).DefaultTimeout()).Content.ReadAsStringAsync().DefaultTimeout();
        var action = $"/meetings/{MeetingId}/invitations/{DelegateId(2)}/reissue";
        var form = ReissueForm().Matches(page).Single(m => m.Groups["action"].Value == action);
        using var content = new FormUrlEncodedContent(new Dictionary<string, string> { [form.Groups["name"].Value] = WebUtility.HtmlDecode(form.Groups["value"].Value) });
        var posted = await Admin.PostAsync(new Uri(action, UriKind.Relative), content).DefaultTimeout();
        Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);
        Assert.Equal($"/meetings/{MeetingId}/invitations#d-{DelegateId(2)}", posted.Headers.Location?.OriginalString);

        var (_, after) = await InvitationAsync(2);
        Assert.NotEqual(before, after);
        var shown = await (await Admin.GetAsync(new Uri($"/meetings/{MeetingId}/invitations", UriKind.Relative)).DefaultTimeout()).Content.ReadAsStringAsync().DefaultTimeout();
        Assert.Contains($">{after}<", shown, StringComparison.Ordinal);

        // Without the form's antiforgery field the button's endpoint does nothing.
        using var forged = new FormUrlEncodedContent(new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.BadRequest, (await Admin.PostAsync(new Uri(action, UriKind.Relative), forged).DefaultTimeout()).StatusCode);
        Assert.Equal(after, (await InvitationAsync(2)).Pin);
    }

    [GeneratedRegex("<form class=\"no-print\" method=\"post\" action=\"(?<action>[^\"]+)\">\\s*<input type=\"hidden\" name=\"(?<name>[^\"]+)\" value=\"(?<value>[^\"]*)\"")]
    private static partial Regex ReissueForm();
}
