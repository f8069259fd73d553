using Conferencing.Server.Meetings;

namespace Conferencing.Server.Monitoring.Readiness;

/// <summary>
/// Another feature's say in a site's readiness (room control: is the room's display on?). The board
/// asks every registered check; a check answers only for the sites it knows something about, and a
/// verdict worse than the test call's (or any verdict beside "untested") takes its place.
/// </summary>
public interface ISiteReadinessCheck
{
    Task<IReadOnlyDictionary<string, ReadinessVerdict>> CheckAsync(MeetingStatus status, IReadOnlyCollection<string> siteCodes, CancellationToken cancellationToken);
}
