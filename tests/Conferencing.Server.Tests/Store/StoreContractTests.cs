using Conferencing.Server.Common;
using Conferencing.Server.Endpoints;
using Conferencing.Server.Meetings;
using Conferencing.Server.Sites;
using Conferencing.Server.Store;
using Conferencing.Server.Tests.Infrastructure;

namespace Conferencing.Server.Tests.Store;

/// <summary>The same store behaviour, checked against each engine.</summary>
public abstract class StoreContractTests(StoreProvider provider) : IAsyncLifetime
{
    private readonly DirectoryInfo _keys = Directory.CreateTempSubdirectory("conferencing-keys");
    private TestDatabase _database = null!;

    protected StoreServices Node { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(provider);
        Node = new StoreServices(await _database.OpenMigratedAsync(), _keys);
        await Node.SeedAsync(Sample.MixedTree());
    }

    public async Task DisposeAsync()
    {
        await Node.Database.DisposeAsync();
        await _database.DisposeAsync();
    }

    /// <summary>A second control-plane node on the same database, with its own connections and locks.</summary>
    private StoreServices SecondNode() => new(_database.Open(), _keys);

    private static MeetingDetails Details(string title, DateTimeOffset start, int hours, params string[] sites) =>
        new(title, null, MeetingKind.ProvinceHosted, "PT", start, start.AddHours(hours), new SiteSelection([], sites), [], []);

    private static DateTimeOffset Tomorrow(int hour) => new DateTimeOffset(DateTime.UtcNow.Date.AddDays(1), TimeSpan.Zero).AddHours(hour);

    [Fact]
    public async Task EverythingIsStillThereAfterReopening()
    {
        var meeting = await Node.MeetingService.ScheduleAsync(Details("Họp giao ban", Tomorrow(1), 2, "PT-X-PC"), "test", CancellationToken.None).DefaultTimeout();
        var reopened = SecondNode();
        var tree = await reopened.Sites.LoadTreeAsync(CancellationToken.None).DefaultTimeout();
        Assert.Equal("Xã Pà Cò", tree.Get("PT-X-PC").Name);
        var again = await reopened.Meetings.GetAsync(meeting.Id, CancellationToken.None).DefaultTimeout();
        Assert.NotNull(again);
        Assert.Equal(meeting.ToJson(), again.ToJson());
        Assert.Equal(meeting.StartUtc, again.StartUtc);
        await reopened.Database.DisposeAsync();
    }

    [Theory]
    [InlineData("pa co", "PT-X-PC")]
    [InlineData("PÀ CÒ", "PT-X-PC")]
    [InlineData("doan hung", "PT-X-DH")]
    [InlineData("viet", "PT-P-VT")]
    public async Task SearchIgnoresDiacriticsAndCase(string query, string code)
    {
        var found = await Node.Sites.SearchAsync(query, 50, CancellationToken.None).DefaultTimeout();
        Assert.Equal(code, Assert.Single(found).Code);
    }

    [Fact]
    public async Task SearchTreatsLikeWildcardsAsText() =>
        Assert.Empty(await Node.Sites.SearchAsync("%", 50, CancellationToken.None).DefaultTimeout());

    [Fact]
    public async Task OverlappingMeetingWithTheSameEndpointIsRefusedNamingTheOtherMeetingAndSites()
    {
        var first = await Node.MeetingService.ScheduleAsync(Details("Hội nghị A", Tomorrow(1), 3, "PT-X-PC", "PT-X-HC"), "test", CancellationToken.None).DefaultTimeout();
        var e = await Assert.ThrowsAsync<DomainException>(() => Node.MeetingService.ScheduleAsync(Details("Hội nghị B", Tomorrow(3), 2, "PT-X-HC"), "test", CancellationToken.None)).DefaultTimeout();
        Assert.Equal(DomainErrorKind.Conflict, e.Kind);
        Assert.Equal("meeting.endpoint-conflict", e.Code);
        Assert.Contains("Hội nghị A", e.Message, StringComparison.Ordinal);
        Assert.Contains("Xã Hy Cương", e.Message, StringComparison.Ordinal);
        var conflict = Assert.Single((IReadOnlyList<MeetingConflict>)e.Details["conflicts"]!);
        Assert.Equal(first.Id, conflict.MeetingId);
        Assert.Contains(conflict.Sites, s => s.Code == "PT-X-HC");
        Assert.Contains(conflict.Sites, s => s.Code == "PT");
    }

    [Fact]
    public async Task BackToBackMeetingsDoNotConflict()
    {
        await Node.MeetingService.ScheduleAsync(Details("Sáng", Tomorrow(1), 2, "PT-X-PC"), "test", CancellationToken.None).DefaultTimeout();
        var next = await Node.MeetingService.ScheduleAsync(Details("Chiều", Tomorrow(3), 2, "PT-X-PC"), "test", CancellationToken.None).DefaultTimeout();
        Assert.Equal(MeetingStatus.Scheduled, next.Status);
    }

    [Fact]
    public async Task CancellingAMeetingFreesItsEndpoints()
    {
        var first = await Node.MeetingService.ScheduleAsync(Details("A", Tomorrow(1), 2, "PT-X-PC"), "test", CancellationToken.None).DefaultTimeout();
        await Node.MeetingService.CancelAsync(first.Id, null, "Hoãn", "test", CancellationToken.None).DefaultTimeout();
        var second = await Node.MeetingService.ScheduleAsync(Details("B", Tomorrow(1), 2, "PT-X-PC"), "test", CancellationToken.None).DefaultTimeout();
        Assert.Equal(MeetingStatus.Scheduled, second.Status);
    }

    [Fact]
    public async Task MovingAMeetingOntoAnotherIsRefusedAndLeavesItUnchanged()
    {
        await Node.MeetingService.ScheduleAsync(Details("A", Tomorrow(1), 2, "PT-X-PC"), "test", CancellationToken.None).DefaultTimeout();
        var b = await Node.MeetingService.ScheduleAsync(Details("B", Tomorrow(5), 2, "PT-X-PC"), "test", CancellationToken.None).DefaultTimeout();
        var moved = new MeetingDetails(null, null, null, null, Tomorrow(2), Tomorrow(4), null, null, null);
        await Assert.ThrowsAsync<DomainException>(() => Node.MeetingService.UpdateAsync(b.Id, b.Version, moved, "test", CancellationToken.None)).DefaultTimeout();
        var stored = await Node.Meetings.GetAsync(b.Id, CancellationToken.None).DefaultTimeout();
        Assert.Equal(Tomorrow(5), stored!.StartUtc);
        Assert.Equal(1, stored.Version);
    }

    [Fact]
    public async Task TwoNodesSchedulingOverlappingMeetingsAtOnceLetExactlyOneThrough()
    {
        var other = SecondNode();
        for (var round = 0; round < 5; round++)
        {
            var start = Tomorrow(1).AddDays(round);
            var a = Node.MeetingService.ScheduleAsync(Details($"A{round}", start, 2, "PT-X-DH"), "a", CancellationToken.None);
            var b = other.MeetingService.ScheduleAsync(Details($"B{round}", start, 2, "PT-X-DH"), "b", CancellationToken.None);
            var outcomes = await Task.WhenAll(Outcome(a), Outcome(b)).DefaultTimeout();
            Assert.Equal(1, outcomes.Count(o => o is null));
            Assert.Equal("meeting.endpoint-conflict", Assert.Single(outcomes, o => o is not null)!.Code);
        }

        await other.Database.DisposeAsync();
    }

    [Fact]
    public async Task TwoNodesUpdatingTheSameVersionGiveOneWinnerAndOne409()
    {
        var meeting = await Node.MeetingService.ScheduleAsync(Details("Gốc", Tomorrow(1), 2, "PT-X-PC"), "test", CancellationToken.None).DefaultTimeout();
        var other = SecondNode();
        var a = Node.MeetingService.UpdateAsync(meeting.Id, meeting.Version, new MeetingDetails("Tên A", null, null, null, null, null, null, null, null), "a", CancellationToken.None);
        var b = other.MeetingService.UpdateAsync(meeting.Id, meeting.Version, new MeetingDetails("Tên B", null, null, null, null, null, null, null, null), "b", CancellationToken.None);
        var outcomes = await Task.WhenAll(Outcome(a), Outcome(b)).DefaultTimeout();
        Assert.Equal("meeting.version-conflict", Assert.Single(outcomes, o => o is not null)!.Code);
        var stored = await Node.Meetings.GetAsync(meeting.Id, CancellationToken.None).DefaultTimeout();
        Assert.Equal(2, stored!.Version);
        Assert.Contains(stored.Title, new[] { "Tên A", "Tên B" });
        await other.Database.DisposeAsync();
    }

    [Fact]
    public async Task ConcurrentCommandsOnOneNodeAreSerializedAndNoneIsLost()
    {
        var meeting = await Node.MeetingService.ScheduleAsync(Details("Điểm danh", Tomorrow(1), 2, "PT-H-LT", "PT-X-PC", "PT-X-HC", "PT-X-DH", "PT-P-VT"), "test", CancellationToken.None).DefaultTimeout();
        await Node.MeetingService.StartAsync(meeting.Id, null, "test", CancellationToken.None).DefaultTimeout();
        var sites = meeting.SiteCodes.ToList();
        await Task.WhenAll(sites.Select(code => Node.MeetingService.RecordAttendanceAsync(meeting.Id, code, AttendanceStatus.Present, null, null, null, "tk", CancellationToken.None))).DefaultTimeout();
        var stored = await Node.Meetings.GetAsync(meeting.Id, CancellationToken.None).DefaultTimeout();
        Assert.Equal(sites, stored!.RollCall.Select(r => r.SiteCode));
        Assert.Equal(2 + sites.Count, stored.Version);
    }

    [Fact]
    public async Task ListsFilterOnEveryEngineWithAndWithoutFilters()
    {
        var a = await Node.MeetingService.ScheduleAsync(Details("Lọc A", Tomorrow(1), 1, "PT-X-PC"), "test", CancellationToken.None).DefaultTimeout();
        await Node.MeetingService.ScheduleAsync(Details("Lọc B", Tomorrow(3), 1, "PT-X-DH"), "test", CancellationToken.None).DefaultTimeout();
        Assert.Equal(2, (await Node.Meetings.ListAsync(new MeetingQuery(), CancellationToken.None).DefaultTimeout()).Count);
        var filtered = await Node.Meetings.ListAsync(new MeetingQuery(Tomorrow(0), Tomorrow(2), MeetingStatus.Scheduled, MeetingKind.ProvinceHosted, "PT-X-PC"), CancellationToken.None).DefaultTimeout();
        Assert.Equal(a.Id, Assert.Single(filtered).Id);
        Assert.Equal(6, (await Node.Endpoints.ListAsync(null, CancellationToken.None).DefaultTimeout()).Count);
        Assert.Single(await Node.Endpoints.ListAsync("PT-X-PC", CancellationToken.None).DefaultTimeout());
        Assert.NotEmpty(await Node.Audit.ListAsync(null, null, 50, CancellationToken.None).DefaultTimeout());
    }

    [Fact]
    public async Task ImportIsAllOrNothing()
    {
        var before = await Node.Sites.LoadTreeAsync(CancellationToken.None).DefaultTimeout();
        var bad = new List<Site>
        {
            new("PT-X-NEW", "Xã Mới", "PT", SiteLevel.Commune, SiteKind.Commune),
            new("PT-X-BAD", "Xã Lạc", "NOWHERE", SiteLevel.Commune, SiteKind.Commune),
        };
        await Assert.ThrowsAsync<DomainException>(() => Node.Sites.ImportAsync(bad, "test", CancellationToken.None)).DefaultTimeout();
        var after = await Node.Sites.LoadTreeAsync(CancellationToken.None).DefaultTimeout();
        Assert.Equal(before.Count, after.Count);
        Assert.False(after.TryGet("PT-X-NEW", out _));
    }

    [Fact]
    public async Task ASiteInUseCannotBeDeleted()
    {
        var e = await Assert.ThrowsAsync<DomainException>(() => Node.Sites.DeleteAsync("PT-X-PC", "test", CancellationToken.None)).DefaultTimeout();
        Assert.Equal("site.in-use", e.Code);
        Assert.Contains("endpoint", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DigestPasswordIsStoredProtected()
    {
        var endpoint = await Node.Endpoints.CreateAsync(new EndpointInput("PT-SNV", "sip:snv@10.0.0.9", "Sở Nội vụ", "Poly G7500", null, 4096, "snv", "mat-khau-bi-mat"), "test", CancellationToken.None).DefaultTimeout();
        await using var connection = await Node.Database.OpenAsync(CancellationToken.None).DefaultTimeout();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT digest_secret FROM endpoints WHERE id = '{endpoint.Id}'";
        var raw = (string)(await command.ExecuteScalarAsync().DefaultTimeout())!;
        Assert.DoesNotContain("mat-khau-bi-mat", raw, StringComparison.Ordinal);
        Assert.Equal("mat-khau-bi-mat", Node.Endpoints.RevealPassword(endpoint));
    }

    [Fact]
    public async Task EveryChangeLeavesAnAuditLine()
    {
        var meeting = await Node.MeetingService.ScheduleAsync(Details("Kiểm tra nhật ký", Tomorrow(1), 2, "PT-X-PC"), "vanphong", CancellationToken.None).DefaultTimeout();
        await Node.MeetingService.CancelAsync(meeting.Id, 1, "Trùng lịch", "vanphong", CancellationToken.None).DefaultTimeout();
        var trail = await Node.Audit.ListAsync("meeting", meeting.Id.ToString(), 10, CancellationToken.None).DefaultTimeout();
        Assert.Equal(["meeting.cancelled", "meeting.scheduled"], trail.Select(a => a.Action));
        Assert.All(trail, a => Assert.Equal("vanphong", a.Actor));
    }

    private static async Task<DomainException?> Outcome(Task task)
    {
        try
        {
            await task;
            return null;
        }
        catch (DomainException e)
        {
            return e;
        }
    }
}

public sealed class SqliteStoreTests() : StoreContractTests(StoreProvider.Sqlite);

public sealed class PostgresStoreTests() : StoreContractTests(StoreProvider.PostgreSql);
