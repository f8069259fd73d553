using Conferencing.Relay;

namespace Conferencing.Server.Relaying;

/// <summary>What the conductor knows of one relay: its health and, from its event stream, its meetings and legs.</summary>
internal sealed class RelayView(string name, int generation)
{
    public string Name { get; } = name;

    public int Generation { get; } = generation;

    public RelayHealth Health { get; private set; } = RelayHealth.Connecting;

    public string? Error { get; private set; }

    public DateTimeOffset HealthSinceUtc { get; private set; }

    /// <summary>True once a snapshot came in: before that, a meeting missing here may just not be known yet.</summary>
    public bool HasSnapshot { get; set; }

    public Dictionary<string, MeetingView> Meetings { get; } = new(StringComparer.Ordinal);

    /// <summary>Commands go only to a relay that is up and whose state is known.</summary>
    public bool Ready => Health == RelayHealth.Up && HasSnapshot;

    public bool SetHealth(RelayHealth health, string? error, DateTimeOffset now)
    {
        if (Health == health && Error == error)
        {
            return false;
        }

        (Health, Error, HealthSinceUtc) = (health, error, Health == health ? HealthSinceUtc : now);
        return true;
    }
}

/// <summary>One meeting on one relay.</summary>
internal sealed class MeetingView(string number, DateTimeOffset openedUtc)
{
    public string Number { get; } = number;

    public DateTimeOffset OpenedUtc { get; } = openedUtc;

    public string? ProgramLegId { get; set; }

    public string? ReturnFeedLegId { get; set; }

    /// <summary>How the relay mixes the meeting's audio, as it last said (null from a relay that does not mix).</summary>
    public AudioMixInfo? AudioMix { get; set; }

    /// <summary>Set when the relay refused to mix (an older relay): asked once, not again.</summary>
    public bool MixRefused { get; set; }

    public Dictionary<string, LegInfo> Legs { get; } = new(StringComparer.Ordinal);

    /// <summary>Last statistics of each connected leg.</summary>
    public Dictionary<string, LegStatistics> Statistics { get; } = new(StringComparer.Ordinal);

    /// <summary>When the relay measured them: the second a call's figures belong to, not when a screen was redrawn.</summary>
    public DateTimeOffset StatisticsAtUtc { get; set; }

    public static MeetingView From(RelayMeetingInfo info)
    {
        var view = new MeetingView(info.Number, info.OpenedUtc) { ProgramLegId = info.ProgramLegId, ReturnFeedLegId = info.ReturnFeedLegId, AudioMix = info.AudioMix };
        foreach (var leg in info.Legs)
        {
            view.Legs[leg.LegId] = leg;
        }

        return view;
    }

    /// <summary>
    /// Takes a leg as a command's answer reported it. Events about the same leg may have come in
    /// first and are newer, so only an unknown leg, or a leg that replaces an older one of the same
    /// id, is taken.
    /// </summary>
    public void Observe(LegInfo leg)
    {
        if (!Legs.TryGetValue(leg.LegId, out var known) || known.CreatedUtc < leg.CreatedUtc)
        {
            Legs[leg.LegId] = leg;
        }
    }
}
