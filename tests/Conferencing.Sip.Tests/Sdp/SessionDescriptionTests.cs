using System.Text;
using Conferencing.Sip.Sdp;

namespace Conferencing.Sip.Tests.Sdp;

public sealed class SessionDescriptionTests
{
    public static TheoryData<string, string> Samples => new()
    {
        { "room system", SampleOffers.RoomSystem },
        { "baresip", SampleOffers.Baresip },
        { "webrtc", SampleOffers.WebRtc },
        { "all fields", SampleOffers.AllFields },
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void RealWorldOffersRoundTripByteForByte(string name, string sdp)
    {
        Assert.True(SessionDescription.TryParse(sdp, out SessionDescription? parsed, out string? error), $"{name}: {error}");
        Assert.Equal(sdp, parsed.ToString());
        Assert.Equal(sdp, SessionDescription.Parse(Encoding.UTF8.GetBytes(sdp)).ToString());
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void EveryTruncatedPrefixParsesOrFailsWithSdpParseException(string name, string sdp)
    {
        for (int i = 0; i < sdp.Length; i++)
        {
            string prefix = sdp[..i];
            bool ok = SessionDescription.TryParse(prefix, out _, out string? error);
            try
            {
                SessionDescription.Parse(prefix);
                Assert.True(ok, $"{name} prefix {i}: Parse succeeded where TryParse failed");
            }
            catch (SdpParseException ex)
            {
                Assert.False(ok, $"{name} prefix {i}: Parse threw where TryParse succeeded");
                Assert.Equal(error, ex.Reason);
            }
        }
    }

    [Fact]
    public void LfOnlyLineEndsAreAccepted()
    {
        SessionDescription sdp = SessionDescription.Parse(SampleOffers.Baresip.Replace("\r\n", "\n", StringComparison.Ordinal));
        Assert.Equal(SampleOffers.Baresip, sdp.ToString());
    }

    [Fact]
    public void ReadsTheRoomSystemOffer()
    {
        SessionDescription sdp = SessionDescription.Parse(SampleOffers.RoomSystem);

        Assert.Equal("GroupSeries", sdp.Origin.Username);
        Assert.Equal("1752219830", sdp.Origin.SessionId);
        Assert.Equal(1ul, sdp.Origin.SessionVersion);
        Assert.Equal("10.20.30.40", sdp.Connection!.Address);
        Assert.Equal(new SdpBandwidth("AS", 2048), sdp.Bandwidths[0]);
        Assert.Equal(4, sdp.Media.Count);

        MediaDescription audio = sdp.Media[0];
        Assert.Equal(["9", "0", "8", "101"], audio.Formats);
        Assert.Equal(MediaFormat.G722, audio.GetMediaFormat("9"));
        Assert.Equal(MediaFormat.Pcmu, audio.GetMediaFormat("0"));
        Assert.Equal(MediaFormat.Pcma, audio.GetMediaFormat("8"));
        Assert.True(audio.GetMediaFormat("101")!.IsTelephoneEvent);
        Assert.Equal([(0, 15)], audio.GetMediaFormat("101")!.TelephoneEventRanges);

        MediaDescription video = sdp.Media[1];
        Assert.Equal(1920ul, video.GetBandwidth("AS"));
        Assert.Equal("main", video.Content);
        Assert.Equal("1", video.Label);
        MediaFormat high = video.GetMediaFormat("109")!;
        Assert.Equal(H264Profile.High, high.H264ProfileLevelId!.Value.Profile);
        Assert.Equal(1, high.H264PacketizationMode);
        Assert.Equal("244800", high.Parameters["MAX-MBPS"]);
        Assert.Equal(0, video.GetMediaFormat("96")!.H264PacketizationMode);
        Assert.Equal(MediaFormat.H263, video.GetMediaFormat("34"));
        Assert.Equal(2, video.GetRtcpFeedback("109").Count);

        Assert.Equal("TCP/BFCP", sdp.Media[2].Protocol);
        Assert.False(sdp.Media[2].IsRtp);
        Assert.Equal("c-s", sdp.Media[2].GetAttributeValue("floorctrl"));

        Assert.True(sdp.Media[3].HasContent("slides"));
    }

    [Fact]
    public void ReadsTheWebRtcOffer()
    {
        SessionDescription sdp = SessionDescription.Parse(SampleOffers.WebRtc);
        MediaDescription audio = sdp.Media[0];

        Assert.Equal("4611731400430051336", sdp.Origin.SessionId);
        Assert.Equal("BUNDLE 0 1", sdp.GetAttributeValue("group"));
        Assert.Equal("0", audio.Mid);
        Assert.True(audio.RtcpMux);
        Assert.Equal(new SdpRtcpAddress(9, new SdpConnection("IN", "IP4", "0.0.0.0")), audio.Rtcp);
        Assert.Equal(new MediaFormat("opus", 48000, 2, "minptime=10;useinbandfec=1"), audio.GetMediaFormat("111"));
        Assert.Equal("1", audio.GetMediaFormat("111")!.GetParameter("useinbandfec"));
        Assert.Equal(new SdpSsrc(3735928559, "cname", "4TOk42mSjXCkVIa6"), audio.Ssrcs.Single());
        Assert.Equal(48000, audio.GetMediaFormat("110")!.ClockRate);

        MediaDescription video = sdp.Media[1];
        Assert.Equal(
            [new("102", "goog-remb"), new("102", "ccm", "fir"), new("102", "nack"), new("102", "nack", "pli")],
            video.GetRtcpFeedback("102"));
        Assert.True(video.GetMediaFormat("102")!.H264LevelAsymmetryAllowed);
        Assert.Equal(2, video.Ssrcs.Count());
    }

    [Fact]
    public void SessionDirectionIsTheDefaultAndMediaOverridesIt()
    {
        SessionDescription sdp = SessionDescription.Parse(SampleOffers.AllFields);
        Assert.Equal(MediaDirection.RecvOnly, sdp.Direction);
        Assert.Equal(MediaDirection.RecvOnly, sdp.GetEffectiveDirection(sdp.Media[0]));
        Assert.Equal(MediaDirection.SendOnly, sdp.GetEffectiveDirection(sdp.Media[1]));
        Assert.Equal(2, sdp.Media[1].NumberOfPorts);
        Assert.Equal("7d 1h 0 25h", sdp.Timings[0].Repeats[0]);
        Assert.Equal(64000ul, sdp.Media[0].GetBandwidth(SdpBandwidth.TransportIndependent));
        Assert.Equal("trr-int", sdp.Media[1].RtcpFeedback.Single().Type);
    }

    [Fact]
    public void UnknownAttributesRoundTripVerbatim()
    {
        string sdp = "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\na=x-vendor:  odd : value \r\nm=audio 1 RTP/AVP 0\r\na=weird\r\na=x-empty:\r\n";
        SessionDescription parsed = SessionDescription.Parse(sdp);
        Assert.Equal("  odd : value ", parsed.GetAttributeValue("x-vendor"));
        Assert.Equal(string.Empty, parsed.Media[0].GetAttributeValue("x-empty"));
        Assert.Equal(sdp, parsed.ToString());
    }

    public static TheoryData<string, string, int> Invalid => new()
    {
        { "", "empty description", 0 },
        { "o=- 1 1 IN IP4 h\r\n", "the first line must be v=", 1 },
        { "v=1\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\n", "unsupported version '1'", 1 },
        { "v=0\r\ns=-\r\n", "the second line must be o=", 2 },
        { "v=0\r\no=- 1 1 IN IP4\r\ns=-\r\nt=0 0\r\n", "o= needs username, sess-id, sess-version, nettype, addrtype and address separated by single spaces", 2 },
        { "v=0\r\no=- x 1 IN IP4 h\r\ns=-\r\nt=0 0\r\n", "sess-id must be digits", 2 },
        { "v=0\r\no=- 1 99999999999999999999 IN IP4 h\r\ns=-\r\nt=0 0\r\n", "sess-version must be a number that fits 64 bits", 2 },
        { "v=0\r\no=- 1 1 IN IP4 h\r\nt=0 0\r\n", "s= must follow o=", 3 },
        { "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\n", "missing t=", 0 },
        { "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0\r\n", "t= must be <start-time> <stop-time>", 4 },
        { "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nr=1d 1h 0\r\nt=0 0\r\n", "r= must follow t=", 4 },
        { "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nx=1\r\n", "'x=' is not allowed here", 5 },
        { "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\nx=1\r\n", "unknown line type 'x='", 6 },
        { "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\nt=0 0\r\n", "'t=' is not allowed here", 6 },
        { "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\n\r\nm=audio 1 RTP/AVP 0\r\n", "empty line", 5 },
        { "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nbogus\r\n", "expected <type>=<value>", 5 },
        { "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nc=IN IP4\r\nt=0 0\r\n", "c= needs nettype, addrtype and address", 4 },
        { "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nb=AS\r\nt=0 0\r\n", "b= must be <bwtype>:<bandwidth>", 4 },
        { "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nb=AS:-5\r\nt=0 0\r\n", "b= must be <bwtype>:<bandwidth>", 4 },
        { "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio 70000 RTP/AVP 0\r\n", "port must be 0-65535", 5 },
        { "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio 1/0 RTP/AVP 0\r\n", "bad number of ports", 5 },
        { "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio 1 RTP/AVP\r\n", "m= needs media, port, proto and at least one format separated by single spaces", 5 },
        { "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\na=rtpmap:0 PCMU\r\n", "malformed a=rtpmap", 6 },
        { "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\na=rtpmap:200 X/8000\r\n", "malformed a=rtpmap", 6 },
        { "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\na=rtcp-fb:0\r\n", "malformed a=rtcp-fb", 6 },
        { "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\na=rtcp:port\r\n", "malformed a=rtcp", 6 },
        { "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\na=ssrc:abc cname:x\r\n", "malformed a=ssrc", 6 },
        { "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\na=fmtp:\r\n", "malformed a=fmtp", 6 },
        { "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\na=sendonly:yes\r\n", "malformed a=sendonly", 6 },
        { "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\na=bad name\r\n", "attribute name must be a token", 5 },
        { "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\ns=again\r\nt=0 0\r\n", "duplicate s=", 4 },
        { "v=0\r\no=- 1 1 IN IP4 h\r\no=- 1 1 IN IP4 h\r\n", "duplicate o=", 3 },
        { "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nc=IN IP4 a\r\nc=IN IP4 b\r\nt=0 0\r\n", "duplicate session-level c=", 5 },
        { "v=0\r\no=- 1 1 IN IP4 h\r\ns=a\rb\r\nt=0 0\r\n", "stray CR or NUL inside the line", 3 },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void InvalidDescriptionsAreRejectedWithTheLineAndReason(string sdp, string reason, int line)
    {
        Assert.False(SessionDescription.TryParse(sdp, out _, out string? error));
        Assert.Equal(reason, error);
        SdpParseException ex = Assert.Throws<SdpParseException>(() => SessionDescription.Parse(sdp));
        Assert.Equal(line, ex.LineNumber);
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<FormatException>(ex);
    }

    [Fact]
    public void InvalidUtf8IsRejected()
    {
        byte[] bytes = [.. "v=0\r\no=- 1 1 IN IP4 h\r\ns="u8, 0xC3, 0x28, .. "\r\nt=0 0\r\n"u8];
        Assert.False(SessionDescription.TryParse(bytes, out _, out string? error));
        Assert.Equal("not valid UTF-8", error);
        Assert.Throws<SdpParseException>(() => SessionDescription.Parse(bytes));
    }

    [Fact]
    public void ABuiltDescriptionSerializesWithCrlf()
    {
        var sdp = new SessionDescription(new SdpOrigin("-", "42", 7, "IN", "IP4", "192.0.2.10"))
        {
            Connection = SdpConnection.ForAddress("192.0.2.10"),
        };
        sdp.Timings.Add(new SdpTiming());
        var audio = new MediaDescription("audio", 40000, "RTP/AVP", ["9", "101"]);
        audio.Attributes.Add(new SdpAttribute("rtpmap", "101 telephone-event/8000"));
        audio.Direction = MediaDirection.SendOnly;
        audio.Direction = MediaDirection.Inactive;
        sdp.Media.Add(audio);

        Assert.Equal(
            "v=0\r\no=- 42 7 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 40000 RTP/AVP 9 101\r\na=rtpmap:101 telephone-event/8000\r\na=inactive\r\n",
            sdp.ToString());
        Assert.Equal("IP6", SdpConnection.ForAddress("2001:db8::1").AddressType);
    }
}
