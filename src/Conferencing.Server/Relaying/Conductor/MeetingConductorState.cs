using System.Collections.Immutable;

namespace Conferencing.Server.Relaying;

/// <summary>Where a leg's redialling stands: failures in a row, attempts made, and the earliest next attempt.</summary>
public readonly record struct DialBackoff(int Failures, int Attempts, DateTimeOffset NextUtc)
{
    /// <summary>
    /// A failed dial waits before the next one, doubling up to <paramref name="max"/>; a call that was
    /// up and ended is redialled after the first delay.
    /// </summary>
    public DialBackoff AfterFailure(bool wasUp, DateTimeOffset now, TimeSpan first, TimeSpan max)
    {
        var failures = wasUp ? 1 : Failures + 1;
        var delay = TimeSpan.FromTicks(Math.Min(max.Ticks, first.Ticks * (1L << Math.Min(failures - 1, 16))));
        return this with { Failures = failures, NextUtc = now + delay };
    }
}

/// <summary>
/// What the conductor remembers of one meeting between passes, beyond what the relays report: dial
/// backoff per leg, half links under watch, links that died with a parent's meeting, the dial-in list
/// each relay was last sent, and the sites a technician holds out. Everything per meeting lives here,
/// so a meeting can be conducted on its own (one object per meeting, as a grain would hold it).
/// Changed only on the conductor's loop; <see cref="Held"/> is also read from other threads.
/// </summary>
public sealed class MeetingConductorState(Guid meetingId)
{
    private ImmutableHashSet<Guid> _held = [];

    public Guid MeetingId { get; } = meetingId;

    public Dictionary<LegKey, DialBackoff> Backoff { get; } = [];

    /// <summary>Child links seen up at the child but not at the parent, since when.</summary>
    public Dictionary<LegKey, DateTimeOffset> HalfLinks { get; } = [];

    /// <summary>Per child relay: the creation time of its link that died when the parent reopened the meeting.</summary>
    public Dictionary<string, DateTimeOffset> StaleLinks { get; } = new(StringComparer.Ordinal);

    /// <summary>Per relay: the dial-in list its meeting was opened with or last sent (a relay does not show passwords).</summary>
    public Dictionary<string, IReadOnlyDictionary<string, string>> DialInSent { get; } = new(StringComparer.Ordinal);

    /// <summary>Endpoints a technician hung up: not dialled until a redial.</summary>
    public ImmutableHashSet<Guid> Held
    {
        get => Volatile.Read(ref _held);
        set => Volatile.Write(ref _held, value);
    }

    /// <summary>Takes what a pass decided.</summary>
    public void Apply(IEnumerable<PlannerChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        foreach (var change in changes)
        {
            switch (change)
            {
                case DialAttempted d:
                    Backoff[d.Leg] = Backoff.GetValueOrDefault(d.Leg) with { Attempts = Backoff.GetValueOrDefault(d.Leg).Attempts + 1 };
                    break;
                case HalfLinkSeen h:
                    HalfLinks[h.Leg] = h.SinceUtc;
                    break;
                case HalfLinkCleared h:
                    HalfLinks.Remove(h.Leg);
                    break;
                case StaleLinkNoted s:
                    StaleLinks[s.ChildRelay] = s.LinkCreatedUtc;
                    break;
                case StaleLinkCleared s:
                    StaleLinks.Remove(s.ChildRelay);
                    break;
                case DialInForgotten f:
                    DialInSent.Remove(f.Relay);
                    break;
            }
        }
    }

    public void RecordFailure(LegKey leg, bool wasUp, DateTimeOffset now, TimeSpan first, TimeSpan max) =>
        Backoff[leg] = Backoff.GetValueOrDefault(leg).AfterFailure(wasUp, now, first, max);

    /// <summary>A leg that answered starts its failure count over (attempts are kept for the screens).</summary>
    public void Answered(LegKey leg)
    {
        if (Backoff.TryGetValue(leg, out var backoff))
        {
            Backoff[leg] = backoff with { Failures = 0 };
        }

        HalfLinks.Remove(leg);
    }

    /// <summary>Cuts a wait short: the next pass may dial. With <paramref name="resetFailures"/>, as if it never failed.</summary>
    public bool Wake(LegKey leg, DateTimeOffset now, bool resetFailures)
    {
        if (!Backoff.TryGetValue(leg, out var backoff) || (backoff.NextUtc <= now && !resetFailures))
        {
            return false;
        }

        Backoff[leg] = backoff with { NextUtc = now, Failures = resetFailures ? 0 : backoff.Failures };
        return true;
    }
}

/// <summary>A change to a meeting's <see cref="MeetingConductorState"/> that a pass decided.</summary>
public abstract record PlannerChange;

/// <summary>A dial was issued (counted for the screens).</summary>
public sealed record DialAttempted(LegKey Leg) : PlannerChange;

/// <summary>A child's link is up there but not seen at the parent, from now on.</summary>
public sealed record HalfLinkSeen(LegKey Leg, DateTimeOffset SinceUtc) : PlannerChange;

/// <summary>The half-link watch ends (the parent sees it, or it was hung up).</summary>
public sealed record HalfLinkCleared(LegKey Leg) : PlannerChange;

/// <summary>The parent reopens the meeting: the child's link created at that time is dead.</summary>
public sealed record StaleLinkNoted(string ChildRelay, DateTimeOffset LinkCreatedUtc) : PlannerChange;

/// <summary>The child has no live link any more: nothing stale is left to hang up.</summary>
public sealed record StaleLinkCleared(string ChildRelay) : PlannerChange;

/// <summary>The relay no longer has the meeting: what it was sent no longer counts.</summary>
public sealed record DialInForgotten(string Relay) : PlannerChange;
