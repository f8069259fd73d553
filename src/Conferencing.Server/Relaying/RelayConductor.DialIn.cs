using Conferencing.Relay;

namespace Conferencing.Server.Relaying;

/// <summary>
/// A relay meeting's dial-in list follows its plan: a site added or removed, an endpoint's new
/// password, a child relay that joins. The relay does not show passwords, so the loop remembers the
/// list each relay meeting was opened with or last sent (per relay and number) and sends the plan's
/// when it differs; the memory is dropped whenever the relay no longer has that meeting (closed,
/// restarted empty, removed), so a meeting opened again starts from what its open sent.
/// </summary>
public sealed partial class RelayConductor
{
    private readonly Dictionary<(string Relay, string Number), IReadOnlyDictionary<string, string>> _dialInSent = [];

    private void EnsureDialIn(MeetingPlan plan, PlannedRelay relay)
    {
        var number = plan.Number;
        var at = (relay.Key, number);

        // While the open runs, the list it carries is the one sent; its answer records it.
        if (_inflight.Contains(OpenKey(relay.Key, number))
            || (_dialInSent.TryGetValue(at, out var sent) && SameDialIn(sent, relay.DialIn)))
        {
            return;
        }

        var dialIn = new Dictionary<string, string>(relay.DialIn, StringComparer.Ordinal);
        var name = relay.Node.Name;
        Issue($"{relay.Key}|{number}|dial-in", relay.Key, async (control, cancellationToken) =>
        {
            await control.SetDialInAsync(number, dialIn, cancellationToken).ConfigureAwait(false);
            return () =>
            {
                // Only while the relay still has the meeting: one that vanished meanwhile is opened
                // again with the plan's list, and this answer must not stand for that one.
                if (_views.TryGetValue(at.Key, out var view) && view.Meetings.ContainsKey(number))
                {
                    _dialInSent[at] = dialIn;
                    Log.DialInSent(_logger, number, name, dialIn.Count);
                }
            };
        });
    }

    /// <summary>
    /// Legs that no longer belong to the meeting on this relay are hung up: a call in from a user
    /// the plan no longer lets in (its site was removed), a room dialled that the relay no longer
    /// serves for it. The relay does not do this itself when its dial-in list changes: which legs
    /// belong is the plan's to say, and dialled legs are not on any list.
    /// </summary>
    private void HangUpStrays(MeetingPlan plan, PlannedRelay relay, MeetingView meeting)
    {
        foreach (var leg in meeting.Legs.Values)
        {
            if (IsFinal(leg))
            {
                continue;
            }

            var stray = leg.Direction == LegDirection.Incoming
                ? leg.AuthenticatedUser is not { } user || !relay.DialIn.ContainsKey(user)
                : leg.Role == LegRole.Endpoint && !relay.Endpoints.Exists(e => e.LegId == leg.LegId);
            if (stray && !_inflight.Contains(HangUpKey(relay.Key, plan.Number, leg.LegId)))
            {
                Log.StrayLeg(_logger, plan.Number, relay.Node.Name, leg.LegId, leg.AuthenticatedUser);
                HangUp(relay.Key, plan.Number, leg.LegId);
            }
        }
    }

    /// <summary>Drops what was sent to relay meetings that are gone, once the relay's state is known.</summary>
    private void ForgetDialInOfGoneMeetings()
    {
        foreach (var at in _dialInSent.Keys.ToList())
        {
            if (!_views.TryGetValue(at.Relay, out var view) || (view.HasSnapshot && !view.Meetings.ContainsKey(at.Number)))
            {
                _dialInSent.Remove(at);
            }
        }
    }

    private static bool SameDialIn(IReadOnlyDictionary<string, string> sent, IReadOnlyDictionary<string, string> planned) =>
        sent.Count == planned.Count
        && planned.All(entry => sent.TryGetValue(entry.Key, out var password) && string.Equals(password, entry.Value, StringComparison.Ordinal));

    private static string OpenKey(string relay, string number) => $"{relay}|{number}|open";

    private static string HangUpKey(string relay, string number, string legId) => $"{relay}|{number}|hangup|{legId}";
}
