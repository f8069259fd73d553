using System.Collections.Immutable;
using Conferencing.Server.Hosting.Supervision;
using Conferencing.Server.Common;
using Conferencing.Server.Endpoints.Presence;
using Conferencing.Server.Meetings;
using Conferencing.Server.Relaying;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.LiveMeetings;

/// <summary>
/// Who held which endpoint out of which meeting, and when. The hold itself is stored
/// (<see cref="CallHoldStore"/>) before the conductor acts on it; the node that drives the relays
/// knows it at once (<see cref="RelayConductor.IsHeld"/>), and every node reads the stored holds
/// again each second, so a site hung up through one node reads held out, with who and when, on all.
/// </summary>
public sealed partial class SiteHolds(RelayConductor conductor, CallHoldStore stored, LoopSupervisor supervisor, ILogger<SiteHolds> logger)
    : SupervisedService(supervisor, Loop)
{
    /// <summary>The refresh loop's name under the supervisor.</summary>
    public const string Loop = "live.holds";

    /// <summary>How often the stored holds are read again.</summary>
    public static readonly TimeSpan Refresh = TimeSpan.FromSeconds(1);

    private ImmutableDictionary<(Guid Meeting, Guid Endpoint), SiteHold> _holds = ImmutableDictionary<(Guid Meeting, Guid Endpoint), SiteHold>.Empty;

    public void Hold(Guid meetingId, Guid endpointId, string by, DateTimeOffset atUtc) =>
        ImmutableInterlocked.Update(ref _holds, h => h.SetItem((meetingId, endpointId), new SiteHold(by, atUtc)));

    public void Release(Guid meetingId, Guid endpointId) => ImmutableInterlocked.Update(ref _holds, h => h.Remove((meetingId, endpointId)));

    public SiteHold? Get(Guid meetingId, Guid endpointId) => Volatile.Read(ref _holds).GetValueOrDefault((meetingId, endpointId));

    /// <summary>Whether the endpoint is held out of the meeting: the driving node's own word, else the store's.</summary>
    public bool IsHeld(Guid meetingId, Guid endpointId) =>
        conductor.IsDriving ? conductor.IsHeld(meetingId, endpointId) : Volatile.Read(ref _holds).ContainsKey((meetingId, endpointId));

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Refresh);
        do
        {
            Beat();
            try
            {
                var all = await stored.ListAsync(stoppingToken).ConfigureAwait(false);
                Volatile.Write(ref _holds, all.ToImmutableDictionary(h => (h.MeetingId, h.EndpointId), h => new SiteHold(h.HeldBy, h.HeldUtc)));
            }
            catch (System.Data.Common.DbException e)
            {
                // The last holds read stay shown; the next second tries again.
                Log.RefreshFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 18121, Level = LogLevel.Warning, Message = "Reading the stored call holds failed")]
        public static partial void RefreshFailed(ILogger logger, Exception exception);
    }
}

/// <summary>
/// Feeds <see cref="SiteMeetingStates.Compute"/> from the live sources (the meeting, the conductor's
/// calls and holds, presence) for every screen and the API, and refuses the floor to a site that is
/// not in the call.
/// </summary>
public sealed class LiveSiteStates(
    MeetingService meetings, LiveCalls live, PresenceService presence, SiteHolds holds, IOptions<SiteStateOptions> options, TimeProvider time)
{
    /// <summary>The states of every site of a meeting, or null when there is no such meeting.</summary>
    public async Task<IReadOnlyList<SiteMeetingState>?> ForAsync(Guid meetingId, CancellationToken cancellationToken)
    {
        var meeting = await meetings.GetAsync(meetingId, cancellationToken).ConfigureAwait(false);
        return meeting is null ? null : For(meeting, await presence.SnapshotAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The states of every site of <paramref name="meeting"/> with presence the caller already has.</summary>
    public IReadOnlyList<SiteMeetingState> For(Meeting meeting, IEnumerable<EndpointPresence> presenceNow)
    {
        ArgumentNullException.ThrowIfNull(meeting);
        return SiteMeetingStates.Compute(meeting, live.Get(meeting.Id), presenceNow, HoldOf(meeting.Id), options.Value);
    }

    /// <summary>How a meeting's holds read: the conductor says whether, the record says who and when.</summary>
    public Func<Guid, SiteHold?> HoldOf(Guid meetingId) => endpoint =>
        holds.IsHeld(meetingId, endpoint) ? holds.Get(meetingId, endpoint) ?? new SiteHold("", time.GetUtcNow()) : null;

    /// <summary>Whether an endpoint is held out of a meeting.</summary>
    public bool IsHeld(Guid meetingId, Guid endpointId) => holds.IsHeld(meetingId, endpointId);

    /// <summary>Refuses the floor to a site that is held out or dropped.</summary>
    /// <exception cref="DomainException">409 <c>floor.site-held-out</c> or <c>floor.site-dropped</c>.</exception>
    public async Task EnsureCanTakeFloorAsync(Guid meetingId, string siteCode, CancellationToken cancellationToken)
    {
        var meeting = await meetings.GetAsync(meetingId, cancellationToken).ConfigureAwait(false);

        // No meeting, a meeting not live, a site not in it: the meeting's own rules say why.
        if (meeting is null || meeting.Status != MeetingStatus.Live || !meeting.SiteCodes.Contains(siteCode, StringComparer.Ordinal)
            || live.Get(meetingId) is null)
        {
            return;
        }

        var state = For(meeting, await presence.SnapshotAsync(cancellationToken).ConfigureAwait(false)).First(s => s.SiteCode == siteCode);
        if (state.CanTakeFloor)
        {
            return;
        }

        throw state.Phase switch
        {
            SitePhase.HeldOut => new DomainException(DomainErrorKind.Conflict, "floor.site-held-out",
                $"Site '{siteCode}' was hung up by {state.HeldBy} and is held out of the meeting until a redial; it cannot take the floor."),
            _ => new DomainException(DomainErrorKind.Conflict, "floor.site-dropped",
                $"Site '{siteCode}' has dropped out of the call; redial it before giving it the floor."),
        };
    }
}

/// <summary>The floor's guard, resolved late: the conductor that feeds the states itself depends on the meeting service.</summary>
internal sealed class LiveFloorGuard(IServiceProvider services) : IFloorGuard
{
    public Task EnsureCanTakeFloorAsync(Guid meetingId, string siteCode, CancellationToken cancellationToken) =>
        services.GetRequiredService<LiveSiteStates>().EnsureCanTakeFloorAsync(meetingId, siteCode, cancellationToken);
}
