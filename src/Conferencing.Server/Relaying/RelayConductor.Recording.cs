using Conferencing.Relay;
using Conferencing.Server.Meetings;

namespace Conferencing.Server.Relaying;

/// <summary>Where a live meeting's recorder leg belongs: its top relay, the relay meeting number, and that leg as the relay last showed it.</summary>
/// <param name="Control">The top relay.</param>
/// <param name="Relay">Its name.</param>
/// <param name="Number">The relay meeting number.</param>
/// <param name="Leg">The leg with the asked id, or null when the relay has none.</param>
public sealed record TopRelayRoute(IRelayControl Control, string Relay, string Number, LegInfo? Leg);

public sealed partial class RelayConductor
{
    /// <summary>
    /// The top relay of a live meeting once it runs the meeting, for legs the conductor does not plan
    /// (the recorder); null while the meeting is not live there. Such legs are dialled with a role other
    /// than <see cref="LegRole.Endpoint"/>, which the conductor never takes for strays.
    /// </summary>
    public Task<TopRelayRoute?> TopRelayAsync(Guid meetingId, string legId) => OnLoopAsync(() =>
        _plans.TryGetValue(meetingId, out var plan) && plan.Meeting.Status == MeetingStatus.Live
        && _views.TryGetValue(plan.TopKey, out var view) && view.Ready && view.Meetings.TryGetValue(plan.Number, out var meeting)
        && _connections.TryGetValue(plan.TopKey, out var connection)
            ? new TopRelayRoute(connection.Control, view.Name, plan.Number, meeting.Legs.GetValueOrDefault(legId))
            : null);
}
