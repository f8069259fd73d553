namespace Conferencing.Sip.Sdp;

public sealed partial class SdpNegotiator
{
    /// <summary>
    /// Builds an offer with one m-line per capability, in order, with our preferred payload
    /// numbers. <paramref name="transports"/> gives our address and ports per capability; a
    /// capability without a transport is offered disabled (port 0), which keeps m-line indexes stable.
    /// </summary>
    public SessionDescription CreateOffer(IReadOnlyList<MediaTransport> transports)
    {
        ArgumentNullException.ThrowIfNull(transports);
        SessionDescription offer = NewDescription();
        for (int i = 0; i < Capabilities.Media.Count; i++)
        {
            LocalMediaCapability cap = Capabilities.Media[i];
            var media = new MediaDescription(cap.MediaType, 0, cap.Protocol, []);
            foreach (LocalCodec codec in cap.Codecs)
            {
                AddCodecAttributes(media, codec.PayloadType, codec.Format, codec.Feedback);
            }

            if (i < transports.Count)
            {
                MediaTransport transport = transports[i];
                media.Port = transport.Port;
                AddTransport(media, transport);
                if (!cap.RtcpMux && transport.RtcpPort is { } rtcpPort)
                {
                    media.Attributes.Add(new SdpAttribute("rtcp", SdpSyntax.Format(rtcpPort)));
                }
            }

            AddBandwidth(media, cap.MaxBandwidthKbps, cap.MaxBandwidthTias);
            if (cap.RtcpMux)
            {
                media.Attributes.Add(new SdpAttribute("rtcp-mux"));
            }

            if (cap.Content is { } content)
            {
                media.Attributes.Add(new SdpAttribute("content", content));
            }

            media.Direction = cap.Direction;
            offer.Media.Add(media);
        }

        LocalDescription = offer;
        HasPendingOffer = true;
        return offer;
    }

    /// <summary>
    /// Processes the answer to our outstanding offer: per m-line the agreed codecs with the
    /// remote's payload numbers for sending, the remote address and ports and the direction.
    /// </summary>
    public SdpNegotiationResult ProcessAnswer(SessionDescription answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        if (!HasPendingOffer || LocalDescription is not { } offer)
        {
            return new SdpNegotiationResult(SdpNegotiationStatus.NoOfferPending, "no offer is outstanding", null, []);
        }

        if (answer.Media.Count != offer.Media.Count)
        {
            return new SdpNegotiationResult(
                SdpNegotiationStatus.InvalidAnswer,
                $"the answer has {answer.Media.Count} m-lines, the offer {offer.Media.Count}",
                null,
                []);
        }

        var streams = new List<NegotiatedStream>(offer.Media.Count);
        for (int i = 0; i < offer.Media.Count; i++)
        {
            MediaDescription ours = offer.Media[i];
            MediaDescription theirs = answer.Media[i];
            var stream = new NegotiatedStream(i, ours.Media, ours.Content);
            streams.Add(stream);
            if (!string.Equals(ours.Media, theirs.Media, StringComparison.OrdinalIgnoreCase))
            {
                return new SdpNegotiationResult(SdpNegotiationStatus.InvalidAnswer, $"m-line {i} answered as {theirs.Media}, offered as {ours.Media}", null, []);
            }

            if (ours.Port == 0 || theirs.Port == 0)
            {
                stream.RejectReason = theirs.Port == 0 ? "rejected by the answerer (port 0)" : "not offered";
                continue;
            }

            List<NegotiatedCodec> codecs = MatchAnswerCodecs(ours, theirs);
            if (!codecs.Exists(c => !c.LocalFormat.IsTelephoneEvent && !c.LocalFormat.IsComfortNoise))
            {
                stream.RejectReason = "no common codec in the answer";
                continue;
            }

            stream.Codecs = codecs;
            MediaDirection remote = RemoteDirection(answer, theirs, out bool legacyHold);
            stream.Direction = remote.Reverse().Intersect(offer.GetEffectiveDirection(ours));
            stream.IsHeldByRemote = legacyHold || !remote.CanReceive();
            NegotiatedCodec main = stream.Codec!;
            stream.Feedback = IntersectFeedback(
                ours.GetRtcpFeedback(SdpSyntax.Format(main.ReceivePayloadType)),
                theirs.GetRtcpFeedback(SdpSyntax.Format(main.PayloadType)));
            stream.SendBandwidthKbps = theirs.GetBandwidth(SdpBandwidth.ApplicationSpecific) ?? BandwidthOf(answer, SdpBandwidth.ApplicationSpecific);
            stream.SendBandwidthTias = theirs.GetBandwidth(SdpBandwidth.TransportIndependent) ?? BandwidthOf(answer, SdpBandwidth.TransportIndependent);
            LocalMediaCapability? cap = i < Capabilities.Media.Count ? Capabilities.Media[i] : null;
            stream.SendBandwidthKbps = Min(stream.SendBandwidthKbps, cap?.MaxBandwidthKbps);
            stream.SendBandwidthTias = Min(stream.SendBandwidthTias, cap?.MaxBandwidthTias);
            FillTransport(stream, answer, theirs, ours.RtcpMux && theirs.RtcpMux);
        }

        HasPendingOffer = false;
        RemoteDescription = answer;
        _lastAnswer = null;
        return streams.Exists(s => s.IsAccepted)
            ? new SdpNegotiationResult(SdpNegotiationStatus.Accepted, null, null, streams)
            : new SdpNegotiationResult(SdpNegotiationStatus.NotAcceptable, "the answer accepted no stream", null, streams);
    }

    /// <summary>
    /// Pairs each answered format with the offered format it stands for: the same number when
    /// the codec agrees, otherwise the first compatible codec by name (answerers may renumber).
    /// </summary>
    private static List<NegotiatedCodec> MatchAnswerCodecs(MediaDescription offered, MediaDescription answered)
    {
        List<(int PayloadType, MediaFormat Format)> ourFormats = [.. offered.GetMediaFormats()];
        var result = new List<NegotiatedCodec>();
        foreach ((int pt, MediaFormat remote) in answered.GetMediaFormats())
        {
            (int PayloadType, MediaFormat Format) match = ourFormats.Find(f => f.PayloadType == pt && f.Format.IsCompatibleWith(remote));
            if (match.Format is null)
            {
                match = ourFormats.Find(f => f.Format.IsCompatibleWith(remote));
            }

            if (match.Format is not null)
            {
                result.Add(new NegotiatedCodec(pt, match.PayloadType, remote, match.Format));
            }
        }

        return result;
    }
}
