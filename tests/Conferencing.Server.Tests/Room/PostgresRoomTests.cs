using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conferencing.Server.Room;
using Conferencing.Server.Tests.Infrastructure;

namespace Conferencing.Server.Tests.Room;

/// <summary>The room's SQL on PostgreSQL: typed nulls, upserts, ON CONFLICT spending, tallies.</summary>
public sealed class PostgresRoomTests : RoomTestBase
{
    protected override Task<TestDatabase> CreateDatabaseAsync() => TestDatabase.PostgresAsync();

    [Fact]
    public async Task TheWholeRoomRunsOnPostgres()
    {
        Assert.Equal(HttpStatusCode.OK, (await Admin.PostAsJsonAsync($"/api/meetings/{MeetingId}/start", new { }, Json).DefaultTimeout()).StatusCode);
        var document = await UploadAsync(SamplePdf.Create(2), "mat.pdf", ("confidential", "true"), ("agendaItemId", AgendaItemId(0).ToString()));
        var id = document.GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await Admin.PutAsJsonAsync($"/api/meetings/{MeetingId}/room/presenter", new { documentId = id, page = 2 }, Json).DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Admin.PutAsJsonAsync($"/api/meetings/{MeetingId}/room/presenter", new { documentId = (Guid?)null }, Json).DefaultTimeout()).StatusCode);

        using var phone = await DelegatePhoneAsync(0);
        var opened = await ReadJson(await phone.PostAsync(new Uri($"/d/api/documents/{id}/open", UriKind.Relative), null).DefaultTimeout());
        using var fetch = new HttpRequestMessage(HttpMethod.Get, new Uri(opened.GetProperty("url").GetString()!, UriKind.Relative));
        fetch.Headers.Add("Sec-Fetch-Mode", "cors");
        Assert.Equal(HttpStatusCode.OK, (await phone.SendAsync(fetch).DefaultTimeout()).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await phone.PostAsync(new Uri("/d/api/speak", UriKind.Relative), null).DefaultTimeout()).StatusCode);
        var queue = await Admin.GetFromJsonAsync<List<SpeakRequest>>($"/api/meetings/{MeetingId}/speaking", Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, (await Admin.PostAsync(new Uri($"/api/meetings/{MeetingId}/speaking/{queue![0].Id}/grant", UriKind.Relative), null).DefaultTimeout()).StatusCode);

        foreach (var secret in new[] { true, false })
        {
            var poll = await ReadJson(await Admin.PostAsJsonAsync($"/api/meetings/{MeetingId}/votes", new { question = "Q" + secret, secret }, Json).DefaultTimeout());
            var pollId = poll.GetProperty("id").GetGuid();
            Assert.Equal(HttpStatusCode.OK, (await Admin.PostAsync(new Uri($"/api/votes/{pollId}/open", UriKind.Relative), null).DefaultTimeout()).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await phone.PostAsJsonAsync($"/d/api/polls/{pollId}/ballot", new { choice = "Agree" }, Json).DefaultTimeout()).StatusCode);
            Assert.Equal(HttpStatusCode.Conflict, (await phone.PostAsJsonAsync($"/d/api/polls/{pollId}/ballot", new { choice = "Agree" }, Json).DefaultTimeout()).StatusCode);
            var closed = await ReadJson(await Admin.PostAsync(new Uri($"/api/votes/{pollId}/close", UriKind.Relative), null).DefaultTimeout());
            Assert.Equal(1, closed.GetProperty("agree").GetInt32());
        }

        var state = await phone.GetFromJsonAsync<RoomSnapshot>("/d/api/state", Json).DefaultTimeout();
        Assert.Equal(2, state!.MyBallots.Count);
        Assert.Equal(SpeakStatus.Granted, state.MySpeakRequest!.Status);
        var link = await Admin.PostAsJsonAsync("/api/sites/PT-X-HC/display-links", new { }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, link.StatusCode);
        Assert.Single((await Admin.GetFromJsonAsync<JsonElement>($"/api/meetings/{MeetingId}/document-opens", Json).DefaultTimeout()).EnumerateArray());
    }
}
