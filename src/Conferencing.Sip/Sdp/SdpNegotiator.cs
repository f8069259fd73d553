namespace Conferencing.Sip.Sdp;

/// <summary>
/// RFC 3264 offer/answer for one dialog (one leg of the B2BUA). It owns our o= line state,
/// remembers the last descriptions exchanged, answers offers and processes answers to our
/// offers. Codecs are matched by name, clock rate, channels and fmtp, never by payload number.
/// Not thread-safe: a dialog's signalling is handled one message at a time.
/// </summary>
public sealed partial class SdpNegotiator
{
    private SdpNegotiationResult? _lastAnswer;

    /// <summary>Creates a negotiator; a random session id is drawn when <paramref name="session"/> is null.</summary>
    public SdpNegotiator(LocalCapabilities capabilities, LocalSessionVersion? session = null)
    {
        ArgumentNullException.ThrowIfNull(capabilities);
        Capabilities = capabilities;
        Session = session ?? LocalSessionVersion.CreateRandom();
    }

    /// <summary>What we support.</summary>
    public LocalCapabilities Capabilities { get; }

    /// <summary>Our o= session id and version.</summary>
    public LocalSessionVersion Session { get; }

    /// <summary>The last description we sent (offer or answer).</summary>
    public SessionDescription? LocalDescription { get; private set; }

    /// <summary>The last description we accepted from the remote (offer or answer).</summary>
    public SessionDescription? RemoteDescription { get; private set; }

    /// <summary>True between <see cref="CreateOffer"/> and <see cref="ProcessAnswer"/>.</summary>
    public bool HasPendingOffer { get; private set; }

    /// <summary>
    /// True when <paramref name="remote"/> has the same o= session and version as the last remote
    /// description: a re-INVITE or UPDATE that changes nothing (RFC 3264 section 8).
    /// </summary>
    public bool IsUnchanged(SessionDescription remote)
    {
        ArgumentNullException.ThrowIfNull(remote);
        return RemoteDescription is { } last && last.Origin.IsSameSession(remote.Origin)
            && last.Origin.SessionVersion == remote.Origin.SessionVersion;
    }

    /// <summary>Abandons an outstanding offer (the INVITE failed), so the next offer from the remote is not glare.</summary>
    public void CancelOffer() => HasPendingOffer = false;

    private SessionDescription NewDescription()
    {
        var sdp = new SessionDescription(new SdpOrigin(
            Capabilities.Username,
            SdpSyntax.Format(Session.SessionId),
            Session.Next(),
            "IN",
            AddressType(Capabilities.Address),
            Capabilities.Address))
        {
            SessionName = Capabilities.SessionName,
            Connection = SdpConnection.ForAddress(Capabilities.Address),
        };
        sdp.Timings.Add(new SdpTiming());
        return sdp;
    }

    private static string AddressType(string address) => address.Contains(':', StringComparison.Ordinal) ? "IP6" : "IP4";

    private static string HostOf(SdpConnection connection)
    {
        // Multicast addresses carry "/ttl[/count]"; the host is what comes before.
        int slash = connection.Address.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? connection.Address : connection.Address[..slash];
    }

    private void AddTransport(MediaDescription media, MediaTransport transport)
    {
        if (transport.Address is { } address && address != Capabilities.Address)
        {
            media.Connections.Add(SdpConnection.ForAddress(address));
        }
    }

    private static void AddCodecAttributes(MediaDescription media, int payloadType, MediaFormat format, IEnumerable<SdpRtcpFeedback> feedback)
    {
        string pt = SdpSyntax.Format(payloadType);
        media.Formats.Add(pt);
        media.Attributes.Add(new SdpAttribute("rtpmap", $"{pt} {format.ToRtpMapEncoding()}"));
        if (format.FormatParameters is { } fmtp)
        {
            media.Attributes.Add(new SdpAttribute("fmtp", $"{pt} {fmtp}"));
        }

        foreach (SdpRtcpFeedback fb in feedback)
        {
            media.Attributes.Add(new SdpAttribute("rtcp-fb", (fb with { Format = pt }).ToString()));
        }
    }

    private static void AddBandwidth(MediaDescription media, ulong? kbps, ulong? tias)
    {
        if (kbps is { } a)
        {
            media.Bandwidths.Add(new SdpBandwidth(SdpBandwidth.ApplicationSpecific, a));
        }

        if (tias is { } t)
        {
            media.Bandwidths.Add(new SdpBandwidth(SdpBandwidth.TransportIndependent, t));
        }
    }

    private static ulong? Min(ulong? a, ulong? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);

    /// <summary>
    /// What the writer of <paramref name="sdp"/> does on <paramref name="media"/>, with RFC 2543
    /// hold (c=0.0.0.0) read as "do not send to me".
    /// </summary>
    private static MediaDirection RemoteDirection(SessionDescription sdp, MediaDescription media, out bool legacyHold)
    {
        MediaDirection direction = sdp.GetEffectiveDirection(media);
        legacyHold = sdp.GetEffectiveConnection(media)?.IsLegacyHold == true;
        return legacyHold ? direction.Intersect(MediaDirection.SendOnly) : direction;
    }

    private static void FillTransport(NegotiatedStream stream, SessionDescription remote, MediaDescription media, bool rtcpMux)
    {
        SdpConnection? connection = remote.GetEffectiveConnection(media);
        stream.RemoteAddress = connection is null ? null : HostOf(connection);
        stream.RemotePort = media.Port;
        stream.RtcpMux = rtcpMux;
        stream.RemoteRtcpPort = media.Rtcp?.Port ?? (rtcpMux ? media.Port : media.Port + 1);
    }

    private static List<SdpRtcpFeedback> IntersectFeedback(IEnumerable<SdpRtcpFeedback> ours, IReadOnlyList<SdpRtcpFeedback> theirs)
    {
        var result = new List<SdpRtcpFeedback>();
        foreach (SdpRtcpFeedback mine in ours)
        {
            SdpRtcpFeedback? match = theirs.FirstOrDefault(mine.IsSameFeedback);
            if (match is null || result.Exists(r => r.IsSameFeedback(mine)))
            {
                continue;
            }

            // trr-int: the larger of the two minimum intervals satisfies both sides.
            if (string.Equals(mine.Type, "trr-int", StringComparison.OrdinalIgnoreCase)
                && SdpSyntax.TryParseULong(mine.Parameter, out ulong a) && SdpSyntax.TryParseULong(match.Parameter, out ulong b))
            {
                result.Add(mine with { Format = SdpRtcpFeedback.Wildcard, Parameter = SdpSyntax.Format(Math.Max(a, b)) });
            }
            else
            {
                result.Add(mine with { Format = SdpRtcpFeedback.Wildcard });
            }
        }

        return result;
    }
}
