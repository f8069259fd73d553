using Conferencing.Devices.Agent;
using Conferencing.Server.Meetings;
using Conferencing.Server.RoomControl;

namespace Conferencing.Server.Tests.RoomControl;

public class RoomActionPlannerTests
{
    private static readonly string[] Sites = ["PT", "PT-X-HC", "PT-X-PC"];

    private static SiteDevice Device(string site, string id, DeviceKind kind, DeviceDriver driver) =>
        new(Guid.Empty, site, new DeviceInfo(id, id, kind, driver, "127.0.0.1:1"), null);

    private static readonly IReadOnlyList<SiteDevice> Devices =
    [
        Device("PT", "camera", DeviceKind.Camera, DeviceDriver.ViscaIp),
        Device("PT", "projector", DeviceKind.Projector, DeviceDriver.PjLink),
        Device("PT-X-HC", "camera", DeviceKind.Camera, DeviceDriver.ViscaTcp),
        Device("PT-X-HC", "tv", DeviceKind.Display, DeviceDriver.Cec),
        Device("PT-X-PC", "projector", DeviceKind.Projector, DeviceDriver.PjLink),
        Device("PT-X-LT", "projector", DeviceKind.Projector, DeviceDriver.PjLink),
    ];

    private static RoomMeetingState State(MeetingStatus status, string? floor = null) => new(status, floor, Sites);

    private static string[] Text(IEnumerable<PlannedAction> actions) =>
        [.. actions.Select(a => $"{a.SiteCode}/{a.DeviceId} {a.Action}{(a.Argument is null ? "" : " " + a.Argument)}")];

    [Fact]
    public void PrepareBringsEveryRoomOfTheMeetingUpOnTheConferenceInputAndWideShot()
    {
        var plan = RoomActionPlanner.Plan(State(MeetingStatus.Scheduled), State(MeetingStatus.Preparing), Devices, new RoomActionPolicy());
        Assert.Equal(
        [
            "PT/camera PowerOn", "PT/camera RecallPreset 1",
            "PT/projector PowerOn", "PT/projector SetInput",
            "PT-X-HC/camera PowerOn", "PT-X-HC/camera RecallPreset 1",
            "PT-X-HC/tv PowerOn", "PT-X-HC/tv ActiveSource",
            "PT-X-PC/projector PowerOn", "PT-X-PC/projector SetInput",
        ], Text(plan));
    }

    [Fact]
    public void StartingAfterPrepareDoesNothingMoreButStartingStraightAwayBringsTheRoomsUp()
    {
        Assert.Empty(RoomActionPlanner.Plan(State(MeetingStatus.Preparing), State(MeetingStatus.Live), Devices, new RoomActionPolicy()));
        Assert.Equal(10, RoomActionPlanner.Plan(State(MeetingStatus.Scheduled), State(MeetingStatus.Live), Devices, new RoomActionPolicy()).Count);
        Assert.Empty(RoomActionPlanner.Plan(State(MeetingStatus.Scheduled), State(MeetingStatus.Preparing), Devices, new RoomActionPolicy { PowerOnAtPrepare = false }));
    }

    [Fact]
    public void TheFloorMovesTheSpeakingSitesCameraToItsSpeakerPresetAndBack()
    {
        var policy = new RoomActionPolicy();
        Assert.Equal(["PT-X-HC/camera RecallPreset 3"],
            Text(RoomActionPlanner.Plan(State(MeetingStatus.Live), State(MeetingStatus.Live, "PT-X-HC"), Devices, policy)));
        Assert.Equal(["PT-X-HC/camera RecallPreset 1", "PT/camera RecallPreset 3"],
            Text(RoomActionPlanner.Plan(State(MeetingStatus.Live, "PT-X-HC"), State(MeetingStatus.Live, "PT"), Devices, policy)));
        Assert.Equal(["PT/camera RecallPreset 1"],
            Text(RoomActionPlanner.Plan(State(MeetingStatus.Live, "PT"), State(MeetingStatus.Live), Devices, policy)));
        // A site without a camera gets the floor: nothing to move.
        Assert.Empty(RoomActionPlanner.Plan(State(MeetingStatus.Live), State(MeetingStatus.Live, "PT-X-PC"), Devices, policy));
        Assert.Empty(RoomActionPlanner.Plan(State(MeetingStatus.Live, "PT"), State(MeetingStatus.Live, "PT"), Devices, policy));
    }

    [Fact]
    public void EndingPowersDisplaysOffOnlyWhenThePolicySaysSo()
    {
        Assert.Equal(["PT-X-HC/camera RecallPreset 1"],
            Text(RoomActionPlanner.Plan(State(MeetingStatus.Live, "PT-X-HC"), State(MeetingStatus.Ended), Devices, new RoomActionPolicy())));
        Assert.Equal(["PT/projector PowerOff", "PT-X-HC/tv PowerOff", "PT-X-PC/projector PowerOff"],
            Text(RoomActionPlanner.Plan(State(MeetingStatus.Live), State(MeetingStatus.Ended), Devices, new RoomActionPolicy { PowerOffAtEnd = true })));
        Assert.Empty(RoomActionPlanner.Plan(State(MeetingStatus.Scheduled), State(MeetingStatus.Cancelled), Devices, new RoomActionPolicy { PowerOffAtEnd = true }));
    }

    [Fact]
    public void DevicesOfSitesOutsideTheMeetingAreLeftAlone() =>
        Assert.DoesNotContain(RoomActionPlanner.Plan(null, State(MeetingStatus.Preparing), Devices, new RoomActionPolicy()), a => a.SiteCode == "PT-X-LT");
}
