namespace Conferencing.Sip.Sdp;

public sealed partial class SdpNegotiator
{
    /// <summary>
    /// Answers a remote offer (RFC 3264 section 6): one m-line per offered m-line in the same
    /// order, the offerer's payload numbers, rejected streams with port 0. <paramref name="transports"/>
    /// gives our address and ports per offered m-line; a missing entry rejects that stream.
    /// </summary>
    public SdpNegotiationResult CreateAnswer(SessionDescription offer, IReadOnlyList<MediaTransport> transports)
    {
        ArgumentNullException.ThrowIfNull(offer);
        ArgumentNullException.ThrowIfNull(transports);
        if (HasPendingOffer)
        {
            return new SdpNegotiationResult(SdpNegotiationStatus.Glare, "an offer of ours is still unanswered", null, []);
        }

        if (_lastAnswer is not null && IsUnchanged(offer))
        {
            return new SdpNegotiationResult(SdpNegotiationStatus.Unchanged, null, LocalDescription, _lastAnswer.Streams);
        }

        var answerMedia = new List<MediaDescription>(offer.Media.Count);
        var streams = new List<NegotiatedStream>(offer.Media.Count);
        for (int i = 0; i < offer.Media.Count; i++)
        {
            MediaDescription offered = offer.Media[i];
            var stream = new NegotiatedStream(i, offered.Media, offered.Content);
            answerMedia.Add(AnswerStream(offer, offered, i < transports.Count ? transports[i] : null, stream));
            streams.Add(stream);
        }

        if (!streams.Exists(s => s.IsAccepted))
        {
            string reason = streams.Count == 0 ? "the offer has no media" : string.Join("; ", streams.Select(s => $"m-line {s.Index} ({s.MediaType}): {s.RejectReason}"));
            return new SdpNegotiationResult(SdpNegotiationStatus.NotAcceptable, reason, null, streams);
        }

        SessionDescription answer = NewDescription();
        foreach (MediaDescription m in answerMedia)
        {
            answer.Media.Add(m);
        }

        RemoteDescription = offer;
        LocalDescription = answer;
        _lastAnswer = new SdpNegotiationResult(SdpNegotiationStatus.Accepted, null, answer, streams);
        return _lastAnswer;
    }

    private MediaDescription AnswerStream(SessionDescription offer, MediaDescription offered, MediaTransport? transport, NegotiatedStream stream)
    {
        LocalMediaCapability? capability = Capabilities.Media.FirstOrDefault(c => c.Serves(offered));
        string? reject = offered.Port == 0 ? "disabled by the offerer (port 0)"
            : transport is null ? "no local transport for this stream"
            : capability is null ? $"no capability for {offered.Media}" + (offered.Content is { } c ? $" content {c}" : string.Empty)
            : !capability.AcceptedProtocols.Contains(offered.Protocol, StringComparer.OrdinalIgnoreCase) ? $"profile {offered.Protocol} not supported"
            : null;

        var answer = new MediaDescription(offered.Media, 0, offered.Protocol, []);
        List<(NegotiatedCodec Codec, LocalCodec Local)> matches = reject is null ? MatchCodecs(offered, capability!) : [];
        if (reject is null && !matches.Exists(m => !m.Local.Format.IsTelephoneEvent && !m.Local.Format.IsComfortNoise))
        {
            reject = "no common codec";
        }

        if (reject is not null)
        {
            // RFC 3264 section 6: a rejected stream keeps its media type and formats, with port 0.
            stream.RejectReason = reject;
            foreach (string f in offered.Formats)
            {
                answer.Formats.Add(f);
            }

            CopyAttribute(offered, answer, "mid");
            return answer;
        }

        LocalMediaCapability cap = capability!;
        MediaTransport local = transport!.Value;
        answer.Port = local.Port;
        AddTransport(answer, local);

        ulong? offeredAs = offered.GetBandwidth(SdpBandwidth.ApplicationSpecific) ?? BandwidthOf(offer, SdpBandwidth.ApplicationSpecific);
        ulong? offeredTias = offered.GetBandwidth(SdpBandwidth.TransportIndependent) ?? BandwidthOf(offer, SdpBandwidth.TransportIndependent);
        AddBandwidth(answer, cap.MaxBandwidthKbps is null ? null : Min(offeredAs, cap.MaxBandwidthKbps), cap.MaxBandwidthTias is null ? null : Min(offeredTias, cap.MaxBandwidthTias));
        stream.SendBandwidthKbps = Min(offeredAs, cap.MaxBandwidthKbps);
        stream.SendBandwidthTias = Min(offeredTias, cap.MaxBandwidthTias);

        var feedbackByPt = new Dictionary<int, List<SdpRtcpFeedback>>();
        foreach ((NegotiatedCodec codec, LocalCodec mine) in matches)
        {
            List<SdpRtcpFeedback> feedback = IntersectFeedback(mine.Feedback, offered.GetRtcpFeedback(SdpSyntax.Format(codec.PayloadType)));
            feedbackByPt[codec.PayloadType] = feedback;
            AddCodecAttributes(answer, codec.PayloadType, codec.LocalFormat, feedback);
        }

        bool mux = cap.RtcpMux && offered.RtcpMux;
        if (mux)
        {
            answer.Attributes.Add(new SdpAttribute("rtcp-mux"));
        }
        else if (local.RtcpPort is { } rtcpPort)
        {
            answer.Attributes.Add(new SdpAttribute("rtcp", SdpSyntax.Format(rtcpPort)));
        }

        MediaDirection remote = RemoteDirection(offer, offered, out bool legacyHold);
        MediaDirection ours = remote.Reverse().Intersect(cap.Direction);
        answer.Direction = ours;
        CopyAttribute(offered, answer, "mid");
        CopyAttribute(offered, answer, "content");
        CopyAttribute(offered, answer, "label");

        stream.Codecs = [.. matches.Select(m => m.Codec)];
        stream.Direction = ours;
        stream.IsHeldByRemote = legacyHold || !remote.CanReceive();
        stream.Feedback = stream.Codec is { } main ? feedbackByPt[main.PayloadType] : [];
        FillTransport(stream, offer, offered, mux);
        return answer;
    }

    /// <summary>Our codecs in our order of preference, each paired with the first compatible offered format.</summary>
    private static List<(NegotiatedCodec Codec, LocalCodec Local)> MatchCodecs(MediaDescription offered, LocalMediaCapability capability)
    {
        List<(int PayloadType, MediaFormat Format)> formats = [.. offered.GetMediaFormats()];
        var used = new HashSet<int>();
        var result = new List<(NegotiatedCodec, LocalCodec)>();
        foreach (LocalCodec local in capability.Codecs)
        {
            foreach ((int pt, MediaFormat remote) in formats)
            {
                if (!used.Contains(pt) && local.Format.IsCompatibleWith(remote))
                {
                    used.Add(pt);
                    result.Add((new NegotiatedCodec(pt, pt, remote, AnswerFormat(local.Format, remote)), local));
                    break;
                }
            }
        }

        return result;
    }

    /// <summary>
    /// The fmtp we answer with: our own parameters, except that H.264 takes the offered profile
    /// and a level the offerer accepts (RFC 6184 section 8.2.2).
    /// </summary>
    private static MediaFormat AnswerFormat(MediaFormat local, MediaFormat remote)
    {
        if (!local.IsH264 || local.H264ProfileLevelId is not { } mine || remote.H264ProfileLevelId is not { } theirs)
        {
            return local;
        }

        // With level-asymmetry-allowed on both sides each declares its own receive level;
        // otherwise the answer may not exceed the offered level.
        H264ProfileLevelId level = local.H264LevelAsymmetryAllowed && remote.H264LevelAsymmetryAllowed
            ? theirs.WithLevelOf(mine)
            : theirs.WithMinimumLevel(mine);
        return local.WithParameter("profile-level-id", level.ToString());
    }

    private static ulong? BandwidthOf(SessionDescription sdp, string type) =>
        sdp.Bandwidths.FirstOrDefault(b => string.Equals(b.Type, type, StringComparison.OrdinalIgnoreCase))?.Value;

    private static void CopyAttribute(MediaDescription from, MediaDescription to, string name)
    {
        if (from.GetAttributeValue(name) is { } value)
        {
            to.Attributes.Add(new SdpAttribute(name, value));
        }
    }
}
