using Conferencing.Server.Common;
using Conferencing.Server.Meetings;
using Conferencing.Server.Reports;
using Conferencing.Server.Store;
using Conferencing.Server.Tests.Infrastructure;

namespace Conferencing.Server.Tests.Store;

/// <summary>
/// The report's figures from a real store on both engines, against numbers worked out by hand for
/// a small province: which meetings count, per kind, per month, per site, and quality weighting.
/// </summary>
public abstract class ReportTests(StoreProvider provider) : IAsyncLifetime
{
    private TestDatabase _test = null!;
    private Database _database = null!;
    private StoreServices _node = null!;
    private MeetingQualityStore _quality = null!;
    private ReportService _reports = null!;

    /// <summary>The period: the day after tomorrow and the day after (local), so that every meeting can still be scheduled.</summary>
    private static readonly DateOnly First = Conferencing.Server.Common.VietnamTime.LocalDate(DateTimeOffset.UtcNow).AddDays(2);

    public async Task InitializeAsync()
    {
        _test = await TestDatabase.CreateAsync(provider);
        _database = await _test.OpenMigratedAsync();
        _node = new StoreServices(_database, Directory.CreateTempSubdirectory("conferencing-keys"));
        await _node.SeedAsync(ConsoleSeed.Sites());
        _quality = new MeetingQualityStore(_database, TimeProvider.System);
        _reports = new ReportService(_database, _node.Sites, _quality, TimeProvider.System);
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        await _test.DisposeAsync();
    }

    private static DateTimeOffset At(DateOnly day, int hour, int minute = 0) => VietnamTime.FromLocal(day, new TimeOnly(hour, minute));

    private async Task<Meeting> HeldAsync(string title, MeetingKind kind, string host, DateTimeOffset start, string[] sites, DelegateInput[]? delegates = null, bool end = true)
    {
        var m = await _node.MeetingService.ScheduleAsync(new MeetingDetails(title, null, kind, host, start, start.AddHours(2), new SiteSelection([], sites), delegates ?? [], []), "t", CancellationToken.None).DefaultTimeout();
        m = await _node.MeetingService.StartAsync(m.Id, null, "t", CancellationToken.None).DefaultTimeout();
        return end ? await _node.MeetingService.EndAsync(m.Id, null, "t", CancellationToken.None).DefaultTimeout() : m;
    }

    private Task RollAsync(Guid id, string site, AttendanceStatus status) =>
        _node.MeetingService.RecordAttendanceAsync(id, site, status, status == AttendanceStatus.Absent ? "Mất điện" : null, null, null, "t", CancellationToken.None);

    [Fact]
    public async Task HeldMeetingsCountByKindWithTheirSitesDelegatesAndAttendance()
    {
        var relayed = await HeldAsync("Chính phủ với địa phương", MeetingKind.RelayedFromCentral, "PT", At(First, 8), ["PT-X-HC", "PT-X-PC", "PT-X-DH"],
            [new(null, "Chủ tịch xã Hy Cương", null, null, "PT-X-HC", null), new(null, "Phó chủ tịch xã Hy Cương", null, null, "PT-X-HC", null), new(null, "Chủ tịch xã Pà Cò", null, null, "PT-X-PC", null)]);
        await RollAsync(relayed.Id, "PT-X-HC", AttendanceStatus.Present);
        await RollAsync(relayed.Id, "PT-X-PC", AttendanceStatus.Absent);
        await RollAsync(relayed.Id, "PT-X-DH", AttendanceStatus.Late);

        // Still live, and late on the last day of the period: held, counted.
        var live = await HeldAsync("Giao ban tỉnh", MeetingKind.ProvinceHosted, "PT", At(First.AddDays(1), 21, 30), ["PT-X-HC"], end: false);
        await RollAsync(live.Id, "PT-X-HC", AttendanceStatus.Present);

        var commune = await HeldAsync("Giao ban xã", MeetingKind.CommuneLevel, "PT-X-HC", At(First, 14), ["PT-X-PC"]);
        await RollAsync(commune.Id, "PT-X-PC", AttendanceStatus.Present);

        // Not counted: cancelled (counted apart), never started, after the period (00:30 the next local day).
        var cancelled = await _node.MeetingService.ScheduleAsync(new MeetingDetails("Hoãn", null, MeetingKind.ProvinceHosted, "PT", At(First, 16), At(First, 17), new SiteSelection([], ["PT-X-HH"]), [], []), "t", CancellationToken.None).DefaultTimeout();
        await _node.MeetingService.CancelAsync(cancelled.Id, null, "Trùng lịch", "t", CancellationToken.None).DefaultTimeout();
        await _node.MeetingService.ScheduleAsync(new MeetingDetails("Chưa họp", null, MeetingKind.ProvinceHosted, "PT", At(First, 18), At(First, 19), new SiteSelection([], ["PT-X-HH"]), [], []), "t", CancellationToken.None).DefaultTimeout();
        await HeldAsync("Sau kỳ", MeetingKind.ProvinceHosted, "PT", At(First.AddDays(2), 0, 30), ["PT-X-HH"]);

        var report = await _reports.BuildAsync(new ReportPeriod(First, First.AddDays(1)), CancellationToken.None).DefaultTimeout();

        var byKind = report.ByKind.ToDictionary(k => k.Kind!.Value);
        Assert.Equal(new KindFigures(MeetingKind.RelayedFromCentral, 1, 4, 3, 2), byKind[MeetingKind.RelayedFromCentral]);
        Assert.Equal(new KindFigures(MeetingKind.ProvinceHosted, 1, 2, 0, 0), byKind[MeetingKind.ProvinceHosted]);
        Assert.Equal(new KindFigures(MeetingKind.CommuneLevel, 1, 2, 0, 0), byKind[MeetingKind.CommuneLevel]);
        Assert.Equal(new KindFigures(null, 3, 8, 3, 2), report.Total);
        Assert.Equal(1, report.Cancelled);

        Assert.Equal((1, 1, 1), (report.ByMonth.Sum(m => m.RelayedFromCentral), report.ByMonth.Sum(m => m.ProvinceHosted), report.ByMonth.Sum(m => m.CommuneLevel)));
        Assert.Equal(report.Period.From.Month, report.ByMonth[0].Month);

        var sites = report.Sites.ToDictionary(s => s.Code);
        Assert.Equal(["PT", "PT-X-DH", "PT-X-HC", "PT-X-PC"], report.Sites.Select(s => s.Code));
        Assert.Equal((3, 2, 0, 0, 1, 2), (sites["PT-X-HC"].Meetings, sites["PT-X-HC"].Present, sites["PT-X-HC"].Late, sites["PT-X-HC"].Absent, sites["PT-X-HC"].NotRecorded, sites["PT-X-HC"].Delegates));
        Assert.Equal(1.0, sites["PT-X-HC"].AttendanceRate);
        Assert.Equal((2, 1, 1), (sites["PT-X-PC"].Meetings, sites["PT-X-PC"].Present, sites["PT-X-PC"].Absent));
        Assert.Equal(0.5, sites["PT-X-PC"].AttendanceRate);
        Assert.Equal(1, sites["PT-X-DH"].Late);
        Assert.Null(sites["PT"].AttendanceRate);
        Assert.Null(report.Quality);
        Assert.All(report.Sites, s => Assert.Null(s.Quality));
    }

    [Fact]
    public async Task QualityIsWeightedByConnectedTimeAndGraded()
    {
        var a = await HeldAsync("A", MeetingKind.ProvinceHosted, "PT", At(First, 8), ["PT-X-HC", "PT-X-PC"]);
        var b = await HeldAsync("B", MeetingKind.ProvinceHosted, "PT", At(First, 14), ["PT-X-HC", "PT-X-PC"]);
        await _quality.UpsertAsync(new MeetingSiteQuality(a.Id, "PT-X-HC", 600, 600, 2.0, 40, 80, 1900), CancellationToken.None).DefaultTimeout();
        await _quality.UpsertAsync(new MeetingSiteQuality(b.Id, "PT-X-HC", 1800, 1800, 0.5, 20, 60, 2000), CancellationToken.None).DefaultTimeout();
        await _quality.UpsertAsync(new MeetingSiteQuality(a.Id, "PT-X-PC", 100, 100, 9.0, 90, null, null), CancellationToken.None).DefaultTimeout();

        // A second summary of the same site and meeting replaces the first.
        await _quality.UpsertAsync(new MeetingSiteQuality(a.Id, "PT-X-PC", 300, 300, 4.0, 70, null, null), CancellationToken.None).DefaultTimeout();
        Assert.Equal(2, (await _quality.ListAsync(a.Id, CancellationToken.None).DefaultTimeout()).Count);

        var report = await _reports.BuildAsync(new ReportPeriod(First, First), CancellationToken.None).DefaultTimeout();
        var hyCuong = report.Sites.Single(s => s.Code == "PT-X-HC").Quality!;
        Assert.Equal(2, hyCuong.Meetings);
        Assert.Equal(2400, hyCuong.ConnectedSeconds);
        Assert.Equal(0.875, hyCuong.LossPercent!.Value, 6);
        Assert.Equal(25.0, hyCuong.JitterMs!.Value, 6);
        Assert.Equal(QualityGrade.Good, hyCuong.Grade);

        var paCo = report.Sites.Single(s => s.Code == "PT-X-PC").Quality!;
        Assert.Equal((1, 4.0, 70.0, QualityGrade.Poor), (paCo.Meetings, paCo.LossPercent, paCo.JitterMs, paCo.Grade));
        Assert.Null(report.Sites.Single(s => s.Code == "PT").Quality);
        Assert.Equal(2, report.Quality!.Meetings);
    }

    [Theory]
    [InlineData(101.0, 10.0)]
    [InlineData(-1.0, 10.0)]
    [InlineData(double.NaN, 10.0)]
    [InlineData(1.0, -5.0)]
    [InlineData(1.0, double.PositiveInfinity)]
    public async Task ImpossibleQualityFiguresAreRefusedAndNothingIsWritten(double loss, double jitter)
    {
        var a = await HeldAsync("A", MeetingKind.ProvinceHosted, "PT", At(First, 8), ["PT-X-HC"]);
        var e = await Assert.ThrowsAsync<DomainException>(() => _quality.UpsertAsync(new MeetingSiteQuality(a.Id, "PT-X-HC", 60, 60, loss, jitter, null, null), CancellationToken.None)).DefaultTimeout();
        Assert.Equal(DomainErrorKind.Invalid, e.Kind);
        Assert.Empty(await _quality.ListAsync(a.Id, CancellationToken.None).DefaultTimeout());
    }

    [Fact]
    public async Task AMeetingRemovedFromTheStoreTakesItsQualityWithIt()
    {
        var a = await HeldAsync("A", MeetingKind.ProvinceHosted, "PT", At(First, 8), ["PT-X-HC"]);
        await _quality.UpsertAsync(new MeetingSiteQuality(a.Id, "PT-X-HC", 60, 60, 0.1, 5, null, null), CancellationToken.None).DefaultTimeout();
        await using (var connection = await _database.OpenAsync(CancellationToken.None).DefaultTimeout())
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM meetings";
            await command.ExecuteNonQueryAsync().DefaultTimeout();
        }

        Assert.Empty(await _quality.ListAsync(a.Id, CancellationToken.None).DefaultTimeout());
    }
}

public sealed class SqliteReportTests() : ReportTests(StoreProvider.Sqlite);

public sealed class PostgresReportTests() : ReportTests(StoreProvider.PostgreSql);
