namespace Conferencing.Relay;

/// <summary>
/// One second of one media stream of a leg. "In" is what the leg sends the relay, measured by the
/// relay (RFC 3550 A.3 loss, A.8 jitter); "out" is what the relay sends the leg, as the leg's own
/// receiver reports describe it, with the round trip from their LSR and DLSR.
/// </summary>
/// <param name="PacketsIn">RTP packets received from the leg since it connected.</param>
/// <param name="BytesIn">RTP bytes (headers included) received from the leg.</param>
/// <param name="PacketsOut">RTP packets sent to the leg.</param>
/// <param name="BytesOut">RTP bytes sent to the leg.</param>
/// <param name="BitrateInKbps">Receive rate over the last interval, kbit/s.</param>
/// <param name="BitrateOutKbps">Send rate over the last interval, kbit/s.</param>
/// <param name="LossInPercent">Share of the leg's packets lost on the way to the relay over the last interval.</param>
/// <param name="LostIn">Packets of the leg lost since it connected.</param>
/// <param name="JitterInMs">Interarrival jitter of the leg's packets.</param>
/// <param name="LossOutPercent">Share of the relay's packets the leg reported lost in its last receiver report, or null before one came.</param>
/// <param name="LostOut">Cumulative loss the leg reported, or null.</param>
/// <param name="JitterOutMs">Jitter the leg reported, or null.</param>
/// <param name="RoundTripMs">Round trip from the leg's last report (RFC 3550 6.4.1), or null.</param>
/// <param name="Dropped">Packets of the leg dropped (unknown payload type, held back before a keyframe, muted).</param>
public sealed record StreamStatistics(
    long PacketsIn,
    long BytesIn,
    long PacketsOut,
    long BytesOut,
    double BitrateInKbps,
    double BitrateOutKbps,
    double LossInPercent,
    long LostIn,
    double JitterInMs,
    double? LossOutPercent,
    long? LostOut,
    double? JitterOutMs,
    double? RoundTripMs,
    long Dropped);

/// <summary>One second of one leg.</summary>
/// <param name="LegId">The leg.</param>
/// <param name="State">Its state.</param>
/// <param name="Audio">Audio, or null when the leg has none.</param>
/// <param name="Video">Video, or null when the leg has none.</param>
/// <param name="SinceLastKeyframeSentSeconds">Time since the relay last sent the leg the start of a keyframe, or null before the first.</param>
/// <param name="Mix">The leg as a source of the audio mix (level, jitter buffer), or null when the meeting is not mixed.</param>
public sealed record LegStatistics(string LegId, LegState State, StreamStatistics? Audio, StreamStatistics? Video, double? SinceLastKeyframeSentSeconds, MixSourceStatistics? Mix = null)
{
    /// <summary>Packets received from the leg, all streams.</summary>
    public long PacketsIn => (Audio?.PacketsIn ?? 0) + (Video?.PacketsIn ?? 0);

    /// <summary>Packets sent to the leg, all streams.</summary>
    public long PacketsOut => (Audio?.PacketsOut ?? 0) + (Video?.PacketsOut ?? 0);

    /// <summary>Bytes received from the leg, all streams.</summary>
    public long BytesIn => (Audio?.BytesIn ?? 0) + (Video?.BytesIn ?? 0);

    /// <summary>Bytes sent to the leg, all streams.</summary>
    public long BytesOut => (Audio?.BytesOut ?? 0) + (Video?.BytesOut ?? 0);

    /// <summary>Receive rate, all streams, kbit/s.</summary>
    public double BitrateInKbps => Math.Round((Audio?.BitrateInKbps ?? 0) + (Video?.BitrateInKbps ?? 0), 1);

    /// <summary>Send rate, all streams, kbit/s.</summary>
    public double BitrateOutKbps => Math.Round((Audio?.BitrateOutKbps ?? 0) + (Video?.BitrateOutKbps ?? 0), 1);
}
