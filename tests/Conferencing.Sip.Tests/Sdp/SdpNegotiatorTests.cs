using Conferencing.Sip.Sdp;

namespace Conferencing.Sip.Tests.Sdp;

public sealed class SdpNegotiatorTests
{
    private static readonly MediaTransport[] ThreePorts = [new(null, 40000, null), new(null, 40002, null), new(null, 40004, null), new(null, 40006, null)];

    private static LocalCapabilities RelayCapabilities(ulong? videoKbps = null)
    {
        var caps = new LocalCapabilities("192.0.2.10") { Username = "relay" };
        var audio = new LocalMediaCapability("audio");
        audio.Codecs.Add(new LocalCodec(MediaFormat.G722, 9));
        audio.Codecs.Add(new LocalCodec(MediaFormat.Opus(), 111));
        audio.Codecs.Add(new LocalCodec(MediaFormat.Pcmu, 0));
        audio.Codecs.Add(new LocalCodec(MediaFormat.Pcma, 8));
        audio.Codecs.Add(new LocalCodec(MediaFormat.TelephoneEvent(8000), 101));
        audio.Codecs.Add(new LocalCodec(MediaFormat.TelephoneEvent(48000), 102));
        caps.Media.Add(audio);

        var video = new LocalMediaCapability("video") { MaxBandwidthKbps = videoKbps };
        video.Codecs.Add(new LocalCodec(MediaFormat.H264("640028", 1, "max-mbps=245760;max-fs=8192"), 96).WithFeedback("nack", "nack pli", "ccm fir", "goog-remb"));
        video.Codecs.Add(new LocalCodec(MediaFormat.H264("42e01f", 1), 97).WithFeedback("nack pli", "ccm fir"));
        caps.Media.Add(video);

        var slides = new LocalMediaCapability("video") { Content = "slides", MaxBandwidthKbps = 768 };
        slides.Codecs.Add(new LocalCodec(MediaFormat.H264("42801f", 1), 98).WithFeedback("ccm fir"));
        caps.Media.Add(slides);
        return caps;
    }

    private static string Offer(string media, string sessionExtra = "", ulong version = 1) =>
        $"v=0\r\no=peer 555 {version} IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\n{sessionExtra}t=0 0\r\n{media}";

    private static SdpNegotiationResult Answer(string offer, LocalCapabilities? caps = null) =>
        new SdpNegotiator(caps ?? RelayCapabilities(), new LocalSessionVersion(1000)).CreateAnswer(SessionDescription.Parse(offer), ThreePorts);

    [Fact]
    public void AnswerUsesTheOfferersPayloadNumbers()
    {
        SdpNegotiationResult result = Answer(SampleOffers.Baresip);

        Assert.Equal(SdpNegotiationStatus.Accepted, result.Status);
        MediaDescription audio = result.Answer!.Media[0];
        Assert.Equal(["96", "0", "8", "101"], audio.Formats);
        Assert.Equal("96 opus/48000/2", audio.GetAttributeValue("rtpmap"));
        Assert.Equal(new SdpRtpMap(101, "telephone-event", 48000), audio.GetRtpMap("101"));
        NegotiatedStream stream = result.Streams[0];
        Assert.Equal(96, stream.Codec!.PayloadType);
        Assert.Equal(101, stream.TelephoneEvent!.PayloadType);
        Assert.Equal("192.168.1.20", stream.RemoteAddress);
        Assert.Equal(10586, stream.RemotePort);
        Assert.Equal(10587, stream.RemoteRtcpPort);
    }

    [Fact]
    public void RoomSystemOfferIsAnsweredStreamByStreamInOrder()
    {
        SdpNegotiationResult result = Answer(SampleOffers.RoomSystem);
        SessionDescription answer = result.Answer!;

        Assert.Equal(SdpNegotiationStatus.Accepted, result.Status);
        Assert.Equal(["audio", "video", "application", "video"], answer.Media.Select(m => m.Media));

        Assert.Equal(["9", "0", "8", "101"], answer.Media[0].Formats);
        Assert.Equal(40000, answer.Media[0].Port);

        MediaDescription video = answer.Media[1];
        Assert.Equal(["109"], video.Formats);
        Assert.Equal("profile-level-id=640020;packetization-mode=1;max-mbps=245760;max-fs=8192", video.GetFormatParameters("109"));
        Assert.Equal("main", video.Content);
        Assert.Equal("1", video.Label);
        Assert.Equal(
            new[] { new SdpRtcpFeedback("109", "nack", "pli"), new SdpRtcpFeedback("109", "ccm", "fir") },
            video.RtcpFeedback);

        MediaDescription bfcp = answer.Media[2];
        Assert.Equal(0, bfcp.Port);
        Assert.Equal("TCP/BFCP", bfcp.Protocol);
        Assert.Equal(["*"], bfcp.Formats);
        Assert.False(result.Streams[2].IsAccepted);

        MediaDescription slides = answer.Media[3];
        Assert.Equal(40006, slides.Port);
        Assert.True(slides.HasContent("slides"));
        Assert.Equal("profile-level-id=428016;packetization-mode=1", slides.GetFormatParameters("109"));
        Assert.Equal(768ul, slides.GetBandwidth("AS"));
        Assert.Equal("slides", result.Streams[3].Content);

        // The answer is itself valid SDP.
        Assert.Equal(answer.ToString(), SessionDescription.Parse(answer.ToString()).ToString());
    }

    [Fact]
    public void MLineOrderOfTheOfferIsKept()
    {
        string offer = Offer("m=video 5000 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 profile-level-id=42e01f;packetization-mode=1\r\nm=audio 5002 RTP/AVP 0\r\n");
        SdpNegotiationResult result = Answer(offer);
        Assert.Equal(["video", "audio"], result.Answer!.Media.Select(m => m.Media));
        Assert.Equal(["96"], result.Answer.Media[0].Formats);
        Assert.Equal("profile-level-id=42e01f;packetization-mode=1", result.Answer.Media[0].GetFormatParameters("96"));
        Assert.Equal(["0"], result.Answer.Media[1].Formats);
    }

    [Fact]
    public void H264PacketizationModeMismatchIsRejected()
    {
        string offer = Offer("m=audio 5000 RTP/AVP 8\r\nm=video 5002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 profile-level-id=42e01f\r\n");
        SdpNegotiationResult result = Answer(offer);

        Assert.Equal(SdpNegotiationStatus.Accepted, result.Status);
        Assert.Equal(0, result.Answer!.Media[1].Port);
        Assert.Equal("no common codec", result.Streams[1].RejectReason);
        Assert.Null(result.Streams[1].Codec);
    }

    public static TheoryData<string, string, string> LevelCases => new()
    {
        // offered fmtp, our codec profile-level-id, answered profile-level-id
        { "profile-level-id=42e01f;packetization-mode=1", "42e028", "42e01f" },
        { "profile-level-id=42e00d;packetization-mode=1", "42e01f", "42e00d" },
        { "profile-level-id=42e028;packetization-mode=1", "42e01f", "42e01f" },
        { "profile-level-id=42e00d;packetization-mode=1;level-asymmetry-allowed=1", "42e01f", "42e00d" },
        { "profile-level-id=42c00d;packetization-mode=1;level-asymmetry-allowed=1", "42e01f;level-asymmetry-allowed=1", "42c01f" },
    };

    [Theory]
    [MemberData(nameof(LevelCases))]
    public void ProfileLevelIdLevelIsNegotiatedPerRfc6184(string offeredFmtp, string ours, string answered)
    {
        var caps = new LocalCapabilities("192.0.2.10");
        var video = new LocalMediaCapability("video");
        string[] parts = ours.Split(';', 2);
        video.Codecs.Add(new LocalCodec(MediaFormat.H264(parts[0], 1, parts.Length > 1 ? parts[1] : null), 96));
        caps.Media.Add(video);
        string offer = Offer($"m=video 5000 RTP/AVP 120\r\na=rtpmap:120 H264/90000\r\na=fmtp:120 {offeredFmtp}\r\n");

        SdpNegotiationResult result = Answer(offer, caps);

        Assert.Equal(answered, result.Answer!.Media[0].GetMediaFormat("120")!.GetParameter("profile-level-id"));
        Assert.Equal(120, result.Streams[0].Codec!.PayloadType);
    }

    [Fact]
    public void NoCommonCodecSignals488()
    {
        SdpNegotiationResult result = Answer(Offer("m=audio 5000 RTP/AVP 18 3\r\n"));

        Assert.Equal(SdpNegotiationStatus.NotAcceptable, result.Status);
        Assert.False(result.IsSuccess);
        Assert.Equal(488, result.FailureStatusCode);
        Assert.Null(result.Answer);
        Assert.Contains("no common codec", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void OnlyTelephoneEventInCommonIsNoCommonCodec()
    {
        SdpNegotiationResult result = Answer(Offer("m=audio 5000 RTP/AVP 18 101\r\na=rtpmap:101 telephone-event/8000\r\n"));
        Assert.Equal(488, result.FailureStatusCode);
    }

    [Fact]
    public void PortZeroStreamIsAnsweredWithPortZeroAndItsFormats()
    {
        string offer = Offer("m=audio 5000 RTP/AVP 0\r\nm=video 0 RTP/AVP 96 97\r\na=rtpmap:96 H264/90000\r\na=mid:v\r\n");
        SdpNegotiationResult result = Answer(offer);

        MediaDescription video = result.Answer!.Media[1];
        Assert.Equal(0, video.Port);
        Assert.Equal("RTP/AVP", video.Protocol);
        Assert.Equal(["96", "97"], video.Formats);
        Assert.Equal("v", video.Mid);
        Assert.False(result.Streams[1].IsAccepted);
    }

    public static TheoryData<string, string, MediaDirection, bool> DirectionCases => new()
    {
        { "a=sendrecv\r\n", "", MediaDirection.SendRecv, false },
        { "", "", MediaDirection.SendRecv, false },
        { "a=sendonly\r\n", "", MediaDirection.RecvOnly, true },
        { "a=recvonly\r\n", "", MediaDirection.SendOnly, false },
        { "a=inactive\r\n", "", MediaDirection.Inactive, true },
        { "", "a=sendonly\r\n", MediaDirection.RecvOnly, true },
        { "a=sendrecv\r\n", "a=inactive\r\n", MediaDirection.SendRecv, false },
        { "c=IN IP4 0.0.0.0\r\n", "", MediaDirection.RecvOnly, true },
        { "c=IN IP4 0.0.0.0\r\na=recvonly\r\n", "", MediaDirection.Inactive, true },
    };

    [Theory]
    [MemberData(nameof(DirectionCases))]
    public void DirectionIsAnsweredFromTheOfferersSide(string mediaLines, string sessionLines, MediaDirection expected, bool held)
    {
        string offer = Offer($"m=audio 5000 RTP/AVP 0\r\n{mediaLines}", sessionLines);
        SdpNegotiationResult result = Answer(offer);

        Assert.Equal(expected, result.Answer!.Media[0].Direction);
        Assert.Equal(expected, result.Streams[0].Direction);
        Assert.Equal(held, result.Streams[0].IsHeldByRemote);
    }

    [Fact]
    public void OurOwnDirectionLimitsTheAnswer()
    {
        LocalCapabilities caps = RelayCapabilities();
        caps.Media[0].Direction = MediaDirection.SendOnly;
        SdpNegotiationResult result = Answer(Offer("m=audio 5000 RTP/AVP 0\r\n"), caps);
        Assert.Equal(MediaDirection.SendOnly, result.Streams[0].Direction);

        result = Answer(Offer("m=audio 5000 RTP/AVP 0\r\na=sendonly\r\n"), caps);
        Assert.Equal(MediaDirection.Inactive, result.Streams[0].Direction);
    }

    [Fact]
    public void OriginVersionIncrementsAndReofferWithTheSameVersionChangesNothing()
    {
        var negotiator = new SdpNegotiator(RelayCapabilities(), new LocalSessionVersion(777, 5));
        SdpNegotiationResult first = negotiator.CreateAnswer(SessionDescription.Parse(SampleOffers.RoomSystem), ThreePorts);
        Assert.Equal("777", first.Answer!.Origin.SessionId);
        Assert.Equal(5ul, first.Answer.Origin.SessionVersion);

        SdpNegotiationResult same = negotiator.CreateAnswer(SessionDescription.Parse(SampleOffers.RoomSystem), ThreePorts);
        Assert.Equal(SdpNegotiationStatus.Unchanged, same.Status);
        Assert.True(same.IsSuccess);
        Assert.Same(first.Answer, same.Answer);
        Assert.Equal(5ul, negotiator.Session.Current);

        string hold = SampleOffers.RoomSystem
            .Replace("1752219830 1 IN", "1752219830 2 IN", StringComparison.Ordinal)
            .Replace("a=sendrecv", "a=sendonly", StringComparison.Ordinal);
        SdpNegotiationResult held = negotiator.CreateAnswer(SessionDescription.Parse(hold), ThreePorts);
        Assert.Equal(SdpNegotiationStatus.Accepted, held.Status);
        Assert.Equal("777", held.Answer!.Origin.SessionId);
        Assert.Equal(6ul, held.Answer.Origin.SessionVersion);
        Assert.Equal(MediaDirection.RecvOnly, held.Answer.Media[0].Direction);

        SessionDescription reoffer = negotiator.CreateOffer(ThreePorts);
        Assert.Equal(7ul, reoffer.Origin.SessionVersion);
    }

    [Fact]
    public void BandwidthIsLimitedToOurMaximum()
    {
        SdpNegotiationResult result = Answer(SampleOffers.RoomSystem, RelayCapabilities(videoKbps: 1024));
        Assert.Equal(1024ul, result.Answer!.Media[1].GetBandwidth("AS"));
        Assert.Equal(1024ul, result.Streams[1].SendBandwidthKbps);
        Assert.Null(result.Answer.Media[0].GetBandwidth("AS"));

        result = Answer(SampleOffers.RoomSystem, RelayCapabilities(videoKbps: 4096));
        Assert.Equal(1920ul, result.Answer!.Media[1].GetBandwidth("AS"));
        Assert.Equal(1920ul, result.Streams[1].SendBandwidthKbps);
    }

    [Fact]
    public void TransportIndependentBandwidthIsAnsweredAndLimitedLikeAs()
    {
        // RFC 3890: b=TIAS in bit/s beside b=AS in kbit/s; each side's limit caps what the other sends.
        LocalCapabilities caps = RelayCapabilities();
        caps.Media[1].MaxBandwidthTias = 1_500_000;
        string offer = Offer(
            "m=video 5000 RTP/AVP 100\r\nb=AS:2000\r\nb=TIAS:1920000\r\na=rtpmap:100 H264/90000\r\na=fmtp:100 profile-level-id=42e01f;packetization-mode=1\r\n");
        SdpNegotiationResult result = Answer(offer, caps);
        Assert.Equal(SdpNegotiationStatus.Accepted, result.Status);
        Assert.Equal(1_500_000ul, result.Answer!.Media[0].GetBandwidth("TIAS"));
        Assert.Equal(1_500_000ul, result.Streams[0].SendBandwidthTias);
        Assert.Equal(2000ul, result.Streams[0].SendBandwidthKbps);
        Assert.Contains("b=TIAS:1500000", result.Answer.ToString(), StringComparison.Ordinal);

        caps.Media[1].MaxBandwidthTias = 4_000_000;
        result = Answer(offer, caps);
        Assert.Equal(1_920_000ul, result.Answer!.Media[0].GetBandwidth("TIAS"));
        Assert.Equal(1_920_000ul, result.Streams[0].SendBandwidthTias);
    }

    [Fact]
    public void RtcpFeedbackIsTheIntersection()
    {
        LocalCapabilities caps = RelayCapabilities();
        caps.Media[1].Codecs[0].WithFeedback("trr-int 100");
        string offer = Offer(
            "m=video 5000 RTP/AVPF 100\r\na=rtpmap:100 H264/90000\r\na=fmtp:100 profile-level-id=64001f;packetization-mode=1\r\n" +
            "a=rtcp-fb:100 nack\r\na=rtcp-fb:100 ccm tmmbr\r\na=rtcp-fb:* ccm fir\r\na=rtcp-fb:* trr-int 250\r\na=rtcp-fb:101 nack pli\r\n");
        SdpNegotiationResult result = Answer(offer, caps);

        Assert.Equal(["nack", "ccm fir", "trr-int 250"], result.Streams[0].Feedback.Select(f => $"{f.Type} {f.Parameter}".Trim()));
        Assert.Equal(
            new[] { new SdpRtcpFeedback("100", "nack"), new SdpRtcpFeedback("100", "ccm", "fir"), new SdpRtcpFeedback("100", "trr-int", "250") },
            result.Answer!.Media[0].RtcpFeedback);
    }

    [Fact]
    public void RtcpPortIsAnnouncedWhenNotMuxedAndMuxIsNegotiatedWhenBothWant()
    {
        LocalCapabilities caps = RelayCapabilities();
        SdpNegotiator negotiator = new(caps, new LocalSessionVersion(1));
        SdpNegotiationResult result = negotiator.CreateAnswer(
            SessionDescription.Parse(Offer("m=audio 5000 RTP/AVP 0\r\na=rtcp:5005\r\n")),
            [new MediaTransport("192.0.2.11", 41000, 41011)]);
        Assert.Equal("41011", result.Answer!.Media[0].GetAttributeValue("rtcp"));
        Assert.Equal("192.0.2.11", result.Answer.Media[0].Connection!.Address);
        Assert.Equal(5005, result.Streams[0].RemoteRtcpPort);

        caps.Media[0].RtcpMux = true;
        result = new SdpNegotiator(caps).CreateAnswer(
            SessionDescription.Parse(Offer("m=audio 5000 RTP/AVPF 0\r\na=rtcp-mux\r\n")),
            [new MediaTransport(null, 41000, 41011)]);
        Assert.True(result.Answer!.Media[0].RtcpMux);
        Assert.False(result.Answer.Media[0].HasAttribute("rtcp"));
        Assert.True(result.Streams[0].RtcpMux);
        Assert.Equal(5000, result.Streams[0].RemoteRtcpPort);
    }

    [Fact]
    public void SecureProfilesAreRejectedBecauseTheRelayDoesNoSrtp()
    {
        SdpNegotiationResult result = Answer(SampleOffers.WebRtc);
        Assert.Equal(488, result.FailureStatusCode);
        Assert.Contains("UDP/TLS/RTP/SAVPF not supported", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingTransportRejectsTheStream()
    {
        var negotiator = new SdpNegotiator(RelayCapabilities());
        SdpNegotiationResult result = negotiator.CreateAnswer(SessionDescription.Parse(SampleOffers.Baresip), [new MediaTransport(null, 40000)]);
        Assert.True(result.Streams[0].IsAccepted);
        Assert.Equal("no local transport for this stream", result.Streams[1].RejectReason);
    }

    [Fact]
    public void OfferFromCapabilitiesParsesBack()
    {
        var negotiator = new SdpNegotiator(RelayCapabilities(videoKbps: 2048), new LocalSessionVersion(99));
        SessionDescription offer = negotiator.CreateOffer([new(null, 40000, 40011), new(null, 40002), new(null, 40004)]);
        SessionDescription parsed = SessionDescription.Parse(offer.ToString());

        Assert.Equal(offer.ToString(), parsed.ToString());
        Assert.Equal("relay 99 1 IN IP4 192.0.2.10", parsed.Origin.ToString());
        Assert.Equal(["9", "111", "0", "8", "101", "102"], parsed.Media[0].Formats);
        Assert.Equal("40011", parsed.Media[0].GetAttributeValue("rtcp"));
        Assert.Equal(MediaFormat.Opus(), parsed.Media[0].GetMediaFormat("111"));
        Assert.Equal(2048ul, parsed.Media[1].GetBandwidth("AS"));
        Assert.Equal(4, parsed.Media[1].GetRtcpFeedback("96").Count);
        Assert.Equal("slides", parsed.Media[2].Content);
        Assert.Equal(MediaDirection.SendRecv, parsed.Media[2].Direction);
        Assert.True(negotiator.HasPendingOffer);
    }

    [Fact]
    public void AnswerToOurOfferGivesTheRemotePayloadNumbersForSending()
    {
        var negotiator = new SdpNegotiator(RelayCapabilities(), new LocalSessionVersion(99));
        negotiator.CreateOffer([new(null, 40000), new(null, 40002)]);
        string answer =
            "v=0\r\no=room 1 1 IN IP4 203.0.113.5\r\ns=-\r\nc=IN IP4 203.0.113.5\r\nb=AS:1500\r\nt=0 0\r\n" +
            "m=audio 6000 RTP/AVP 9 101\r\na=rtpmap:101 telephone-event/8000\r\na=recvonly\r\n" +
            "m=video 6002 RTP/AVP 126\r\nc=IN IP4 203.0.113.6\r\nb=AS:1000\r\na=rtpmap:126 H264/90000\r\na=fmtp:126 profile-level-id=42e01e;packetization-mode=1\r\na=rtcp-fb:126 ccm fir\r\n" +
            "m=video 0 RTP/AVP 98\r\n";

        SdpNegotiationResult result = negotiator.ProcessAnswer(SessionDescription.Parse(answer));

        Assert.Equal(SdpNegotiationStatus.Accepted, result.Status);
        Assert.False(negotiator.HasPendingOffer);
        NegotiatedStream audio = result.Streams[0];
        Assert.Equal(9, audio.Codec!.PayloadType);
        Assert.Equal(101, audio.TelephoneEvent!.PayloadType);
        Assert.Equal(MediaDirection.SendOnly, audio.Direction);
        Assert.Equal("203.0.113.5", audio.RemoteAddress);
        Assert.Equal(6000, audio.RemotePort);

        NegotiatedStream video = result.Streams[1];
        Assert.Equal(126, video.Codec!.PayloadType);
        Assert.Equal(97, video.Codec.ReceivePayloadType);
        Assert.Equal(H264Profile.ConstrainedBaseline, video.Codec.RemoteFormat.H264ProfileLevelId!.Value.Profile);
        Assert.Equal("203.0.113.6", video.RemoteAddress);
        Assert.Equal(1000ul, video.SendBandwidthKbps);
        Assert.Equal([new SdpRtcpFeedback("*", "ccm", "fir")], video.Feedback);
        Assert.Equal(MediaDirection.SendRecv, video.Direction);

        Assert.False(result.Streams[2].IsAccepted);
    }

    [Fact]
    public void AnswerWithADifferentNumberOfMLinesIsInvalid()
    {
        var negotiator = new SdpNegotiator(RelayCapabilities());
        negotiator.CreateOffer(ThreePorts);
        SdpNegotiationResult result = negotiator.ProcessAnswer(SessionDescription.Parse(Offer("m=audio 6000 RTP/AVP 9\r\n")));
        Assert.Equal(SdpNegotiationStatus.InvalidAnswer, result.Status);
        Assert.Equal(488, result.FailureStatusCode);
    }

    [Fact]
    public void AnAnswerWithoutAnOfferAndAnOfferDuringOursAreRefused()
    {
        var negotiator = new SdpNegotiator(RelayCapabilities());
        Assert.Equal(SdpNegotiationStatus.NoOfferPending, negotiator.ProcessAnswer(SessionDescription.Parse(SampleOffers.Baresip)).Status);

        negotiator.CreateOffer(ThreePorts);
        SdpNegotiationResult glare = negotiator.CreateAnswer(SessionDescription.Parse(SampleOffers.Baresip), ThreePorts);
        Assert.Equal(SdpNegotiationStatus.Glare, glare.Status);
        Assert.Equal(491, glare.FailureStatusCode);

        negotiator.CancelOffer();
        Assert.True(negotiator.CreateAnswer(SessionDescription.Parse(SampleOffers.Baresip), ThreePorts).IsSuccess);
    }

    [Fact]
    public void StaticPayloadTypesWithoutRtpmapAreMatchedByCodec()
    {
        LocalCapabilities caps = new("192.0.2.10");
        var audio = new LocalMediaCapability("audio");
        audio.Codecs.Add(new LocalCodec(MediaFormat.Pcma, 120));
        caps.Media.Add(audio);
        SdpNegotiationResult result = Answer(Offer("m=audio 5000 RTP/AVP 0 8\r\n"), caps);
        Assert.Equal(["8"], result.Answer!.Media[0].Formats);
        Assert.Equal("8 PCMA/8000", result.Answer.Media[0].GetAttributeValue("rtpmap"));
    }
}
