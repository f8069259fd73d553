using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conferencing.Server.Meetings;
using Conferencing.Server.Room;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Conferencing.Server.Tests.Room;

public sealed class SpeakingAndVotingTests : RoomTestBase
{
    private async Task StartAsync() =>
        Assert.Equal(HttpStatusCode.OK, (await Admin.PostAsJsonAsync($"/api/meetings/{MeetingId}/start", new { }, Json).DefaultTimeout()).StatusCode);

    [Fact]
    public async Task GrantingARequestGivesTheFloorToTheDelegatesSiteAndPublishesIt()
    {
        await StartAsync();
        var floors = new List<string?>();
        using var subscription = Factory.Services.GetRequiredService<MeetingEvents>().Subscribe((c, _) =>
        {
            if (c.Action == "meeting.floor")
            {
                lock (floors)
                {
                    floors.Add(c.Meeting.FloorSiteCode);
                }
            }

            return Task.CompletedTask;
        });
        using var pacoPhone = await DelegatePhoneAsync(1);
        using var hyCuongPhone = await DelegatePhoneAsync(0);
        Assert.Equal(HttpStatusCode.OK, (await pacoPhone.PostAsync(new Uri("/d/api/speak", UriKind.Relative), null).DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await hyCuongPhone.PostAsync(new Uri("/d/api/speak", UriKind.Relative), null).DefaultTimeout()).StatusCode);
        var twice = await pacoPhone.PostAsync(new Uri("/d/api/speak", UriKind.Relative), null).DefaultTimeout();
        Assert.Equal("speak.already-waiting", (await ExpectProblem(twice, HttpStatusCode.Conflict)).GetProperty("code").GetString());

        var queue = await Admin.GetFromJsonAsync<List<SpeakRequest>>($"/api/meetings/{MeetingId}/speaking", Json).DefaultTimeout();
        Assert.Equal(["Trần Thị Bình", "Nguyễn Văn An"], queue!.Select(r => r.DelegateName));
        Assert.Equal("Xã Pà Cò", queue![0].SiteName);

        var granted = await Admin.PostAsync(new Uri($"/api/meetings/{MeetingId}/speaking/{queue[0].Id}/grant", UriKind.Relative), null).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, granted.StatusCode);
        var meeting = await Admin.GetFromJsonAsync<JsonElement>($"/api/meetings/{MeetingId}", Json).DefaultTimeout();
        Assert.Equal("PT-X-PC", meeting.GetProperty("floorSiteCode").GetString());

        // The next one: the first is done, the floor moves on; finishing returns it to the meeting's own feed.
        Assert.Equal(HttpStatusCode.OK, (await Admin.PostAsync(new Uri($"/api/meetings/{MeetingId}/speaking/{queue[1].Id}/grant", UriKind.Relative), null).DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Admin.PostAsync(new Uri($"/api/meetings/{MeetingId}/speaking/finish", UriKind.Relative), null).DefaultTimeout()).StatusCode);
        lock (floors)
        {
            Assert.Equal(["PT-X-PC", "PT-X-HC", null], floors);
        }

        var history = await Admin.GetFromJsonAsync<List<SpeakRequest>>($"/api/meetings/{MeetingId}/speaking?history=true", Json).DefaultTimeout();
        Assert.All(history!, r => Assert.Equal(SpeakStatus.Done, r.Status));
    }

    [Fact]
    public async Task ARequestCanBeWithdrawnAndAGrantBeforeTheMeetingIsLiveIsRefused()
    {
        Assert.Equal(HttpStatusCode.OK, (await Admin.PostAsJsonAsync($"/api/meetings/{MeetingId}/prepare", new { }, Json).DefaultTimeout()).StatusCode);
        using var phone = await DelegatePhoneAsync(0);
        Assert.Equal(HttpStatusCode.OK, (await phone.PostAsync(new Uri("/d/api/speak", UriKind.Relative), null).DefaultTimeout()).StatusCode);
        var queue = await Admin.GetFromJsonAsync<List<SpeakRequest>>($"/api/meetings/{MeetingId}/speaking", Json).DefaultTimeout();
        var refused = await Admin.PostAsync(new Uri($"/api/meetings/{MeetingId}/speaking/{queue![0].Id}/grant", UriKind.Relative), null).DefaultTimeout();
        Assert.Equal("meeting.not-live", (await ExpectProblem(refused, HttpStatusCode.Conflict)).GetProperty("code").GetString());
        Assert.Single((await Admin.GetFromJsonAsync<List<SpeakRequest>>($"/api/meetings/{MeetingId}/speaking", Json).DefaultTimeout())!);

        Assert.Equal(HttpStatusCode.NoContent, (await phone.DeleteAsync(new Uri("/d/api/speak", UriKind.Relative)).DefaultTimeout()).StatusCode);
        Assert.Empty((await Admin.GetFromJsonAsync<List<SpeakRequest>>($"/api/meetings/{MeetingId}/speaking", Json).DefaultTimeout())!);
        Assert.Equal(HttpStatusCode.Conflict, (await phone.DeleteAsync(new Uri("/d/api/speak", UriKind.Relative)).DefaultTimeout()).StatusCode);
    }

    [Fact]
    public async Task AnOpenVoteTakesOneAnswerPerDelegateAndKeepsTheResult()
    {
        await StartAsync();
        var created = await Admin.PostAsJsonAsync($"/api/meetings/{MeetingId}/votes", new { question = "Thông qua báo cáo kinh tế - xã hội quý III?", secret = false, agendaItemId = AgendaItemId(1) }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var poll = await ReadJson(created);
        var id = poll.GetProperty("id").GetGuid();
        using var an = await DelegatePhoneAsync(0);
        using var binh = await DelegatePhoneAsync(1);

        var early = await an.PostAsJsonAsync($"/d/api/polls/{id}/ballot", new { choice = "Agree" }, Json).DefaultTimeout();
        Assert.Equal("vote.not-open", (await ExpectProblem(early, HttpStatusCode.Conflict)).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, (await Admin.PostAsync(new Uri($"/api/votes/{id}/open", UriKind.Relative), null).DefaultTimeout()).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await an.PostAsJsonAsync($"/d/api/polls/{id}/ballot", new { choice = "Agree" }, Json).DefaultTimeout()).StatusCode);
        var revote = await an.PostAsJsonAsync($"/d/api/polls/{id}/ballot", new { choice = "Disagree" }, Json).DefaultTimeout();
        Assert.Equal("vote.already-cast", (await ExpectProblem(revote, HttpStatusCode.Conflict)).GetProperty("code").GetString());
        var bad = await binh.PostAsJsonAsync($"/d/api/polls/{id}/ballot", new { choice = "Maybe" }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await binh.PostAsJsonAsync($"/d/api/polls/{id}/ballot", new { choice = "Abstain" }, Json).DefaultTimeout()).StatusCode);

        var closed = await ReadJson(await Admin.PostAsync(new Uri($"/api/votes/{id}/close", UriKind.Relative), null).DefaultTimeout());
        Assert.Equal((1, 0, 1, 3), (closed.GetProperty("agree").GetInt32(), closed.GetProperty("disagree").GetInt32(), closed.GetProperty("abstain").GetInt32(), closed.GetProperty("eligible").GetInt32()));
        var ballots = closed.GetProperty("ballots").EnumerateArray().ToDictionary(b => b.GetProperty("delegateName").GetString()!, b => b.GetProperty("choice").GetString());
        Assert.Equal("Agree", ballots["Nguyễn Văn An"]);
        Assert.Equal("Abstain", ballots["Trần Thị Bình"]);
        using var late = await DelegatePhoneAsync(2);
        Assert.Equal(HttpStatusCode.Conflict, (await late.PostAsJsonAsync($"/d/api/polls/{id}/ballot", new { choice = "Agree" }, Json).DefaultTimeout()).StatusCode);

        var state = await an.GetFromJsonAsync<RoomSnapshot>("/d/api/state", Json).DefaultTimeout();
        Assert.Equal(VoteChoice.Agree, state!.MyBallots[id]);
    }

    [Fact]
    public async Task AVoteThatKeepsItsCountsUntilItClosesShowsTheRoomNoCountWhileOpen()
    {
        await StartAsync();
        var poll = await ReadJson(await Admin.PostAsJsonAsync($"/api/meetings/{MeetingId}/votes", new { question = "Thông qua nghị quyết?", secret = false, countsAfterClose = true }, Json).DefaultTimeout());
        var id = poll.GetProperty("id").GetGuid();
        Assert.True(poll.GetProperty("countsAfterClose").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, (await Admin.PostAsync(new Uri($"/api/votes/{id}/open", UriKind.Relative), null).DefaultTimeout()).StatusCode);
        using var an = await DelegatePhoneAsync(0);
        using var binh = await DelegatePhoneAsync(1);

        // Having voted, a delegate still learns nothing of the count; the room's state carries none.
        var answered = await ReadJson(await an.PostAsJsonAsync($"/d/api/polls/{id}/ballot", new { choice = "Agree" }, Json).DefaultTimeout());
        Assert.Equal(0, answered.GetProperty("agree").GetInt32());
        var state = await binh.GetFromJsonAsync<RoomSnapshot>("/d/api/state", Json).DefaultTimeout();
        Assert.Equal((0, 0, 0), Counts(state!.Polls.Single(p => p.Id == id)));

        // The chair sees the live count; once closed, everyone does.
        var chair = await Admin.GetFromJsonAsync<List<PollView>>($"/api/meetings/{MeetingId}/votes", Json).DefaultTimeout();
        Assert.Equal(1, chair!.Single(p => p.Id == id).Agree);
        Assert.Equal(HttpStatusCode.OK, (await Admin.PostAsync(new Uri($"/api/votes/{id}/close", UriKind.Relative), null).DefaultTimeout()).StatusCode);
        state = await binh.GetFromJsonAsync<RoomSnapshot>("/d/api/state", Json).DefaultTimeout();
        Assert.Equal((1, 0, 0), Counts(state!.Polls.Single(p => p.Id == id)));

        static (int, int, int) Counts(PollView p) => (p.Agree, p.Disagree, p.Abstain);
    }

    [Fact]
    public async Task ASecretVoteKeepsTheCountButNotWhoAnsweredWhat()
    {
        await StartAsync();
        var poll = await ReadJson(await Admin.PostAsJsonAsync($"/api/meetings/{MeetingId}/votes", new { question = "Bầu trưởng ban", secret = true }, Json).DefaultTimeout());
        var id = poll.GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await Admin.PostAsync(new Uri($"/api/votes/{id}/open", UriKind.Relative), null).DefaultTimeout()).StatusCode);
        using var an = await DelegatePhoneAsync(0);
        Assert.Equal(HttpStatusCode.OK, (await an.PostAsJsonAsync($"/d/api/polls/{id}/ballot", new { choice = "Disagree" }, Json).DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await an.PostAsJsonAsync($"/d/api/polls/{id}/ballot", new { choice = "Agree" }, Json).DefaultTimeout()).StatusCode);

        var result = (await Admin.GetFromJsonAsync<List<PollView>>($"/api/meetings/{MeetingId}/votes", Json).DefaultTimeout())!.Single();
        Assert.Equal(1, result.Disagree);
        Assert.Null(result.Ballots);
        await using var connection = await Factory.Services.GetRequiredService<Conferencing.Server.Store.Database>().OpenAsync(CancellationToken.None).DefaultTimeout();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT choice, cast_utc FROM ballots";
        await using var reader = await command.ExecuteReaderAsync().DefaultTimeout();
        Assert.True(await reader.ReadAsync().DefaultTimeout());
        Assert.True(reader.IsDBNull(0) && reader.IsDBNull(1));
        var state = await an.GetFromJsonAsync<RoomSnapshot>("/d/api/state", Json).DefaultTimeout();
        Assert.True(state!.MyBallots.ContainsKey(id));
        Assert.Null(state.MyBallots[id]);
    }

    [Fact]
    public async Task EndingTheMeetingClosesItsOpenVoteAndLapsesWaitingRequests()
    {
        await StartAsync();
        var poll = await ReadJson(await Admin.PostAsJsonAsync($"/api/meetings/{MeetingId}/votes", new { question = "Đồng ý kết luận?" }, Json).DefaultTimeout());
        var id = poll.GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await Admin.PostAsync(new Uri($"/api/votes/{id}/open", UriKind.Relative), null).DefaultTimeout()).StatusCode);
        using var phone = await DelegatePhoneAsync(0);
        Assert.Equal(HttpStatusCode.OK, (await phone.PostAsJsonAsync($"/d/api/polls/{id}/ballot", new { choice = "Agree" }, Json).DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await phone.PostAsync(new Uri("/d/api/speak", UriKind.Relative), null).DefaultTimeout()).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await Admin.PostAsJsonAsync($"/api/meetings/{MeetingId}/end", new { }, Json).DefaultTimeout()).StatusCode);
        var result = (await Admin.GetFromJsonAsync<List<PollView>>($"/api/meetings/{MeetingId}/votes", Json).DefaultTimeout())!.Single();
        Assert.Equal((PollStatus.Closed, 1), (result.Status, result.Agree));
        Assert.Empty((await Admin.GetFromJsonAsync<List<SpeakRequest>>($"/api/meetings/{MeetingId}/speaking", Json).DefaultTimeout())!);
        Assert.Equal(SpeakStatus.Declined, (await Admin.GetFromJsonAsync<List<SpeakRequest>>($"/api/meetings/{MeetingId}/speaking?history=true", Json).DefaultTimeout())!.Single().Status);
        var audit = await Admin.GetFromJsonAsync<List<Conferencing.Server.Store.AuditEntry>>($"/api/audit?entityType=meeting&entityId={MeetingId}", Json).DefaultTimeout();
        Assert.Contains(audit!, a => a.Action == "vote.closed" && a.Actor == RoomLifecycle.Actor && a.Summary.Contains("agree 1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AStaffReadOfAnOriginalIsRecordedAsAnOpen()
    {
        var id = (await UploadAsync(SamplePdf.Create(1), "mat.pdf", ("confidential", "true"))).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await Admin.GetAsync(new Uri($"/api/documents/{id}/versions/1/file", UriKind.Relative)).DefaultTimeout()).StatusCode);
        var open = (await Admin.GetFromJsonAsync<JsonElement>($"/api/meetings/{MeetingId}/document-opens?documentId={id}", Json).DefaultTimeout()).EnumerateArray().Single();
        Assert.Equal(("staff", "admin", false), (open.GetProperty("readerKind").GetString(), open.GetProperty("readerId").GetString(), open.GetProperty("stamped").GetBoolean()));
    }

    [Fact]
    public async Task ThePresenterMovesOnlyWithinTheMeetingsDocumentsAndPagesAndItsSequenceGrows()
    {
        var document = await UploadAsync(SamplePdf.Create(3), "bao-cao.pdf");
        var id = document.GetProperty("id").GetGuid();
        var first = await ReadJson(await Admin.PutAsJsonAsync($"/api/meetings/{MeetingId}/room/presenter", new { documentId = id, page = 2 }, Json).DefaultTimeout());
        Assert.Equal((2, 3, 1), (first.GetProperty("page").GetInt32(), first.GetProperty("pageCount").GetInt32(), first.GetProperty("version").GetInt32()));
        var bad = await Admin.PutAsJsonAsync($"/api/meetings/{MeetingId}/room/presenter", new { documentId = id, page = 4 }, Json).DefaultTimeout();
        Assert.True((await ExpectProblem(bad, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("page", out _));
        var foreign = await Admin.PutAsJsonAsync($"/api/meetings/{MeetingId}/room/presenter", new { documentId = Guid.NewGuid(), page = 1 }, Json).DefaultTimeout();
        Assert.True((await ExpectProblem(foreign, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("documentId", out _));
        var cleared = await ReadJson(await Admin.PutAsJsonAsync($"/api/meetings/{MeetingId}/room/presenter", new { documentId = (Guid?)null }, Json).DefaultTimeout());
        Assert.True(cleared.GetProperty("seq").GetInt64() > first.GetProperty("seq").GetInt64());
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("documentId").ValueKind);
    }
}
