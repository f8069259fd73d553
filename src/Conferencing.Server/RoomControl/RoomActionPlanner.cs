using Conferencing.Devices.Agent;
using Conferencing.Server.Meetings;

namespace Conferencing.Server.RoomControl;

/// <summary>What room control needs to know of a meeting at one moment.</summary>
public sealed record RoomMeetingState(MeetingStatus Status, string? FloorSiteCode, IReadOnlyCollection<string> SiteCodes);

/// <summary>
/// The room actions of a meeting. Defaults follow the province's routine: the room comes up at
/// Prepare (technicians on site an hour early), the speaking site's camera frames the speaker, and
/// powering off at the end is optional because a room often hosts the next meeting.
/// </summary>
public sealed record RoomActionPolicy
{
    public bool PowerOnAtPrepare { get; init; } = true;

    public bool PowerOffAtEnd { get; init; }

    public int WidePreset { get; init; } = CameraPresets.Wide;

    public int SpeakerPreset { get; init; } = CameraPresets.Speaker;
}

/// <summary>One device action the meeting calls for.</summary>
public sealed record PlannedAction(string SiteCode, string DeviceId, DeviceAction Action, string? Argument = null);

/// <summary>
/// Which device action at which lifecycle point: a pure function of the meeting before and after a
/// change and of the rooms' devices. No I/O, so it is tested without sockets and can move into a
/// meeting grain unchanged; <see cref="RoomLifecycleService"/> carries out what it returns.
/// </summary>
public static class RoomActionPlanner
{
    public static IReadOnlyList<PlannedAction> Plan(RoomMeetingState? before, RoomMeetingState after, IReadOnlyList<SiteDevice> devices, RoomActionPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(after);
        ArgumentNullException.ThrowIfNull(devices);
        ArgumentNullException.ThrowIfNull(policy);
        var actions = new List<PlannedAction>();
        var sites = after.SiteCodes.ToHashSet(StringComparer.Ordinal);
        var inMeeting = devices.Where(d => sites.Contains(d.SiteCode)).ToList();
        var wasUp = before?.Status is MeetingStatus.Preparing or MeetingStatus.Live;
        var isUp = after.Status is MeetingStatus.Preparing or MeetingStatus.Live;

        if (isUp && !wasUp && policy.PowerOnAtPrepare)
        {
            foreach (var d in inMeeting)
            {
                actions.Add(new PlannedAction(d.SiteCode, d.Device.Id, DeviceAction.PowerOn));
                actions.Add(d.Device.Kind switch
                {
                    DeviceKind.Camera => new PlannedAction(d.SiteCode, d.Device.Id, DeviceAction.RecallPreset, Preset(policy.WidePreset)),
                    _ when d.Device.Driver == DeviceDriver.Cec => new PlannedAction(d.SiteCode, d.Device.Id, DeviceAction.ActiveSource),
                    // SetInput without an argument: the agent uses the room's configured conference input.
                    _ => new PlannedAction(d.SiteCode, d.Device.Id, DeviceAction.SetInput),
                });
            }
        }

        if (after.Status == MeetingStatus.Live)
        {
            var oldFloor = before?.Status == MeetingStatus.Live ? before.FloorSiteCode : null;
            if (!string.Equals(oldFloor, after.FloorSiteCode, StringComparison.Ordinal))
            {
                // The floor returns: the site that spoke goes back to its wide shot.
                if (oldFloor is not null)
                {
                    actions.AddRange(Cameras(inMeeting, oldFloor).Select(d => new PlannedAction(d.SiteCode, d.Device.Id, DeviceAction.RecallPreset, Preset(policy.WidePreset))));
                }

                if (after.FloorSiteCode is { } floor)
                {
                    actions.AddRange(Cameras(inMeeting, floor).Select(d => new PlannedAction(d.SiteCode, d.Device.Id, DeviceAction.RecallPreset, Preset(policy.SpeakerPreset))));
                }
            }
        }

        if (after.Status is MeetingStatus.Ended or MeetingStatus.Cancelled && wasUp)
        {
            foreach (var d in inMeeting)
            {
                if (d.Device.Kind == DeviceKind.Camera)
                {
                    if (before?.FloorSiteCode == d.SiteCode)
                    {
                        actions.Add(new PlannedAction(d.SiteCode, d.Device.Id, DeviceAction.RecallPreset, Preset(policy.WidePreset)));
                    }
                }
                else if (policy.PowerOffAtEnd)
                {
                    actions.Add(new PlannedAction(d.SiteCode, d.Device.Id, DeviceAction.PowerOff));
                }
            }
        }

        return actions;
    }

    private static IEnumerable<SiteDevice> Cameras(IEnumerable<SiteDevice> devices, string siteCode) =>
        devices.Where(d => d.SiteCode == siteCode && d.Device.Kind == DeviceKind.Camera);

    private static string Preset(int preset) => preset.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
