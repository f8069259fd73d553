using Conferencing.Server.Common;
using Conferencing.Server.Meetings;
using Conferencing.Server.Sites;
using Conferencing.Server.Tests.Infrastructure;

namespace Conferencing.Server.Tests.Meetings;

public sealed class MeetingTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 1, 0, 0, TimeSpan.Zero);
    private static readonly SiteTree Tree = SiteTree.Build(Sample.MixedTree());

    private static MeetingDetails Details(
        MeetingKind kind = MeetingKind.ProvinceHosted,
        string host = "PT",
        SiteSelection? sites = null,
        DateTimeOffset? start = null,
        DateTimeOffset? end = null) =>
        new("Giao ban", null, kind, host, start ?? Now.AddDays(1), end ?? Now.AddDays(1).AddHours(2), sites ?? new SiteSelection(["PT"], []), [], []);

    private static Meeting Scheduled(MeetingDetails? details = null) => Meeting.Schedule(Guid.NewGuid(), details ?? Details(), Tree, "tester", Now);

    [Fact]
    public void ASubtreeSelectionTakesEverySiteBelowAndTheHost()
    {
        var meeting = Scheduled(Details(sites: new SiteSelection(["PT-H-LT"], ["PT-X-PC"])));
        Assert.Equal(["PT", "PT-H-LT", "PT-X-LT", "PT-X-PC"], meeting.SiteCodes);
    }

    [Fact]
    public void LevelsFilterKeepsOnlyThoseLevelsOfASubtree()
    {
        var meeting = Scheduled(Details(sites: new SiteSelection(["PT"], [], [SiteLevel.Commune])));
        Assert.Equal(["PT", "PT-P-VT", "PT-X-DH", "PT-X-HC", "PT-X-LT", "PT-X-PC"], meeting.SiteCodes);
    }

    [Theory]
    [InlineData(MeetingKind.CommuneLevel, "PT", "hostSiteCode")]
    [InlineData(MeetingKind.ProvinceHosted, "PT-X-HC", "hostSiteCode")]
    [InlineData(MeetingKind.ProvinceHosted, "NOPE", "hostSiteCode")]
    public void HostMustSuitTheKind(MeetingKind kind, string host, string field)
    {
        var e = Assert.Throws<DomainException>(() => Scheduled(Details(kind, host, new SiteSelection([], []))));
        Assert.Equal(DomainErrorKind.Invalid, e.Kind);
        Assert.Equal(field, e.Field);
    }

    [Fact]
    public void EndBeforeStartIsRefusedNamingEndUtc()
    {
        var e = Assert.Throws<DomainException>(() => Scheduled(Details(start: Now.AddDays(1), end: Now.AddDays(1).AddMinutes(-1))));
        Assert.Equal("endUtc", e.Field);
    }

    [Fact]
    public void AMeetingAlreadyOverCannotBeScheduled()
    {
        var e = Assert.Throws<DomainException>(() => Scheduled(Details(start: Now.AddHours(-3), end: Now.AddHours(-1))));
        Assert.Equal("endUtc", e.Field);
    }

    [Fact]
    public void UnknownSiteInTheSelectionIsNamedByIndex()
    {
        var e = Assert.Throws<DomainException>(() => Scheduled(Details(sites: new SiteSelection([], ["PT-X-HC", "XX"]))));
        Assert.Equal("sites.sites[1]", e.Field);
    }

    [Fact]
    public void DelegateMustSitAtAParticipatingSite()
    {
        var details = Details(sites: new SiteSelection([], ["PT-X-HC"])) with
        {
            Delegates = [new DelegateInput(null, "Nguyễn Văn A", "Chủ tịch", "UBND xã", "PT-X-PC", null)],
        };
        var e = Assert.Throws<DomainException>(() => Scheduled(details));
        Assert.Equal("delegates[0].siteCode", e.Field);
    }

    [Fact]
    public void TheLifecycleRunsScheduledPreparingLiveEnded()
    {
        var meeting = Scheduled();
        meeting.Prepare(Now);
        Assert.Equal(MeetingStatus.Preparing, meeting.Status);
        meeting.Start(Now.AddMinutes(1));
        Assert.Equal(MeetingStatus.Live, meeting.Status);
        Assert.Equal(Now.AddMinutes(1), meeting.StartedUtc);
        meeting.End(Now.AddHours(2));
        Assert.Equal(MeetingStatus.Ended, meeting.Status);
        Assert.False(meeting.HoldsEndpoints);
    }

    public static TheoryData<string, Action<Meeting>> IllegalTransitions => new()
    {
        { "end a scheduled meeting", m => m.End(Now) },
        { "prepare a live meeting", m => { m.Start(Now); m.Prepare(Now); } },
        { "cancel a live meeting", m => { m.Start(Now); m.Cancel("late", Now); } },
        { "start an ended meeting", m => { m.Start(Now); m.End(Now); m.Start(Now); } },
        { "start a cancelled meeting", m => { m.Cancel("weather", Now); m.Start(Now); } },
        { "edit a live meeting", m => { m.Start(Now); m.Update(Details(), Tree, Now); } },
    };

    [Theory]
    [MemberData(nameof(IllegalTransitions))]
    public void IllegalTransitionsAreConflictsWithTheReason(string name, Action<Meeting> act)
    {
        var meeting = Scheduled();
        var e = Assert.Throws<DomainException>(() => act(meeting));
        Assert.Equal(DomainErrorKind.Conflict, e.Kind);
        Assert.Equal("meeting.illegal-transition", e.Code);
        Assert.Contains("it is", e.Message, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(name));
    }

    [Fact]
    public void CancellingNeedsAReason()
    {
        var meeting = Scheduled();
        var e = Assert.Throws<DomainException>(() => meeting.Cancel(" ", Now));
        Assert.Equal("reason", e.Field);
        Assert.Equal(MeetingStatus.Scheduled, meeting.Status);
    }

    [Fact]
    public void RollCallRecordsPresentAbsentAndLatePerSite()
    {
        var meeting = Scheduled();
        meeting.Start(Now);
        meeting.RecordAttendance("PT-X-HC", AttendanceStatus.Present, null, null, "tk", Now);
        meeting.RecordAttendance("PT-X-PC", AttendanceStatus.Absent, "Mất điện", null, "tk", Now);
        var late = meeting.RecordAttendance("PT-X-DH", AttendanceStatus.Late, null, null, "tk", Now.AddMinutes(12));
        Assert.Equal(Now.AddMinutes(12), late.ArrivedUtc);
        Assert.Equal(3, meeting.RollCall.Count);
        meeting.RecordAttendance("PT-X-PC", AttendanceStatus.Late, null, Now.AddMinutes(30), "tk", Now.AddMinutes(31));
        Assert.Equal(AttendanceStatus.Late, meeting.RollCall.Single(r => r.SiteCode == "PT-X-PC").Status);
    }

    [Fact]
    public void AbsentWithoutReasonIsRefused()
    {
        var meeting = Scheduled();
        meeting.Start(Now);
        var e = Assert.Throws<DomainException>(() => meeting.RecordAttendance("PT-X-HC", AttendanceStatus.Absent, null, null, "tk", Now));
        Assert.Equal("reason", e.Field);
    }

    [Fact]
    public void RollCallBeforePreparingIsAConflict()
    {
        var meeting = Scheduled();
        var e = Assert.Throws<DomainException>(() => meeting.RecordAttendance("PT-X-HC", AttendanceStatus.Present, null, null, "tk", Now));
        Assert.Equal(DomainErrorKind.Conflict, e.Kind);
    }

    [Fact]
    public void StoredFormRoundTripsEveryField()
    {
        var details = Details(sites: new SiteSelection(["PT-H-LT"], ["PT-X-HC"])) with
        {
            Description = "Nội dung \"quan trọng\"",
            Delegates = [new DelegateInput(null, "Trần Thị Bích", "Phó Chủ tịch", "UBND xã Hy Cương", "PT-X-HC", "0912 345 678")],
            Agenda = [new AgendaInput(null, "Khai mạc", "Văn phòng", 10), new AgendaInput(null, "Thảo luận", null, null)],
        };
        var meeting = Scheduled(details);
        meeting.Start(Now);
        meeting.RecordAttendance("PT-X-HC", AttendanceStatus.Absent, "Họp đột xuất", null, "tk", Now);
        var copy = Meeting.FromJson(meeting.ToJson(), 7);
        Assert.Equal(meeting.ToJson(), copy.ToJson());
        Assert.Equal(7, copy.Version);
        Assert.Equal("Trần Thị Bích", copy.Delegates[0].Name);
        Assert.Equal(2, copy.Agenda[1].Order);
    }

    [Fact]
    public void TheFloorGoesToAParticipatingSiteOfALiveMeetingAndBack()
    {
        var meeting = Scheduled(Details(sites: new SiteSelection(["PT-H-LT"], ["PT-X-PC"])));
        var scheduledFloor = Assert.Throws<DomainException>(() => meeting.GiveFloor("PT-X-PC", Now));
        Assert.Equal(DomainErrorKind.Conflict, scheduledFloor.Kind);

        meeting.Start(Now);
        Assert.Null(meeting.FloorSiteCode);
        Assert.True(meeting.GiveFloor("PT-X-PC", Now.AddMinutes(5)));
        Assert.Equal("PT-X-PC", meeting.FloorSiteCode);
        Assert.Equal(Now.AddMinutes(5), meeting.FloorSinceUtc);
        Assert.False(meeting.GiveFloor("PT-X-PC", Now.AddMinutes(6)));

        var outsider = Assert.Throws<DomainException>(() => meeting.GiveFloor("PT-X-HC", Now));
        Assert.Equal("siteCode", outsider.Field);
        Assert.Equal("PT-X-PC", meeting.FloorSiteCode);

        Assert.True(meeting.GiveFloor("PT", Now.AddMinutes(7)));
        Assert.Null(meeting.FloorSiteCode);
        Assert.True(meeting.GiveFloor("PT-X-LT", Now.AddMinutes(8)));
        meeting.End(Now.AddHours(1));
        Assert.Null(meeting.FloorSiteCode);
    }

    [Fact]
    public void TheFloorSurvivesTheStoredForm()
    {
        var meeting = Scheduled(Details(sites: new SiteSelection(["PT-H-LT"], [])));
        meeting.Start(Now);
        meeting.GiveFloor("PT-X-LT", Now.AddMinutes(1));
        var again = Meeting.FromJson(meeting.ToJson(), 3);
        Assert.Equal("PT-X-LT", again.FloorSiteCode);
        Assert.Equal(Now.AddMinutes(1), again.FloorSinceUtc);
    }
}
