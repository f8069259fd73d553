using Conferencing.Devices.Agent;
using Conferencing.Server.Meetings;
using Conferencing.Server.Monitoring.Readiness;

namespace Conferencing.Server.RoomControl;

/// <summary>
/// A room's displays in the readiness verdict: while a meeting prepares or runs, a site whose display
/// or projector is off or unreachable is red (the room would not see the meeting), one warming up or
/// whose agent is away yellow. Pure, so the rule is tested without sockets.
/// </summary>
public static class DeviceReadiness
{
    /// <summary>The verdict on one site's devices; null when the site has no display or projector the server knows.</summary>
    public static ReadinessVerdict? Judge(IEnumerable<(DeviceInfo Device, DeviceState? State, bool AgentOnline)> devices)
    {
        ArgumentNullException.ThrowIfNull(devices);
        var verdicts = new List<ReadinessVerdict>();
        foreach (var (device, state, online) in devices.Where(d => d.Device.Kind is DeviceKind.Display or DeviceKind.Projector))
        {
            verdicts.Add(online switch
            {
                false => new(ReadinessColor.Yellow, "room-agent-offline", $"{device.Name}: the room agent is not connected, so its state is unknown"),
                true when state is null => new(ReadinessColor.Yellow, "display-unknown", $"{device.Name}: no state reported yet"),
                true when !state.Reachable => new(ReadinessColor.Red, "display-unreachable", $"{device.Name}: unreachable ({state.Error})"),
                true when state.Power == "on" => new(ReadinessColor.Green, "display-on", $"{device.Name}: on"),
                true when state.Power == "warming" => new(ReadinessColor.Yellow, "display-warming", $"{device.Name}: warming up"),
                _ => new(ReadinessColor.Red, "display-off", $"{device.Name}: {state.Power ?? "off"}"),
            });
        }

        if (verdicts.Count == 0)
        {
            return null;
        }

        var worst = verdicts.Min(v => v.Color);
        var named = verdicts.Where(v => v.Color == worst).ToList();
        return new(worst, named[0].Code, string.Join("; ", named.Select(v => v.Reason))) { Codes = [.. named.Select(v => v.Code)] };
    }
}

/// <summary>Gives the readiness board the rooms' display state during a preparing or live meeting.</summary>
public sealed class DeviceReadinessCheck(RoomAgentStore store, AgentPresence presence) : ISiteReadinessCheck
{
    public async Task<IReadOnlyDictionary<string, ReadinessVerdict>> CheckAsync(MeetingStatus status, IReadOnlyCollection<string> siteCodes, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, ReadinessVerdict>(StringComparer.Ordinal);
        if (status is not (MeetingStatus.Preparing or MeetingStatus.Live))
        {
            return result;
        }

        var devices = await store.DevicesAsync(siteCodes, cancellationToken).ConfigureAwait(false);
        foreach (var site in devices.GroupBy(d => d.SiteCode, StringComparer.Ordinal))
        {
            if (DeviceReadiness.Judge(site.Select(d => (d.Device, d.State, presence.IsOnline(d.AgentId)))) is { } verdict)
            {
                result[site.Key] = verdict;
            }
        }

        return result;
    }
}
