namespace Conferencing.Sip.Tests.Sdp;

/// <summary>Offers shaped like what real endpoints send (addresses and ids made up).</summary>
internal static class SampleOffers
{
    /// <summary>A Polycom/Cisco-style room system: G.722 + G.711 + DTMF, H.264 main video, H.239-style content stream, BFCP.</summary>
    public const string RoomSystem =
        "v=0\r\n" +
        "o=GroupSeries 1752219830 1 IN IP4 10.20.30.40\r\n" +
        "s=-\r\n" +
        "c=IN IP4 10.20.30.40\r\n" +
        "b=AS:2048\r\n" +
        "t=0 0\r\n" +
        "a=X-nat:0\r\n" +
        "m=audio 49152 RTP/AVP 9 0 8 101\r\n" +
        "a=rtpmap:9 G722/8000\r\n" +
        "a=rtpmap:101 telephone-event/8000\r\n" +
        "a=fmtp:101 0-15\r\n" +
        "a=sendrecv\r\n" +
        "m=video 49154 RTP/AVP 109 96 34\r\n" +
        "b=AS:1920\r\n" +
        "a=rtpmap:109 H264/90000\r\n" +
        "a=fmtp:109 profile-level-id=640020;packetization-mode=1;max-mbps=244800;max-fs=8160\r\n" +
        "a=rtpmap:96 H264/90000\r\n" +
        "a=fmtp:96 profile-level-id=42801f;max-mbps=108000;max-fs=3600\r\n" +
        "a=rtpmap:34 H263/90000\r\n" +
        "a=rtcp-fb:* nack pli\r\n" +
        "a=rtcp-fb:* ccm fir\r\n" +
        "a=content:main\r\n" +
        "a=label:1\r\n" +
        "a=sendrecv\r\n" +
        "m=application 5070 TCP/BFCP *\r\n" +
        "a=floorctrl:c-s\r\n" +
        "a=confid:1\r\n" +
        "a=floorid:2 mstrm:3\r\n" +
        "a=userid:2\r\n" +
        "a=setup:actpass\r\n" +
        "a=connection:new\r\n" +
        "m=video 49156 RTP/AVP 109\r\n" +
        "b=AS:768\r\n" +
        "a=rtpmap:109 H264/90000\r\n" +
        "a=fmtp:109 profile-level-id=428016;packetization-mode=1;max-mbps=40500;max-fs=8160\r\n" +
        "a=rtcp-fb:* ccm fir\r\n" +
        "a=content:slides\r\n" +
        "a=label:3\r\n" +
        "a=sendrecv\r\n";

    /// <summary>baresip's default offer.</summary>
    public const string Baresip =
        "v=0\r\n" +
        "o=- 3921446018 1582614718 IN IP4 192.168.1.20\r\n" +
        "s=-\r\n" +
        "c=IN IP4 192.168.1.20\r\n" +
        "t=0 0\r\n" +
        "a=tool:baresip 3.10.1\r\n" +
        "m=audio 10586 RTP/AVP 96 0 8 101\r\n" +
        "b=AS:105\r\n" +
        "a=rtpmap:96 opus/48000/2\r\n" +
        "a=fmtp:96 stereo=1;sprop-stereo=1\r\n" +
        "a=rtpmap:101 telephone-event/48000\r\n" +
        "a=fmtp:101 0-15\r\n" +
        "a=rtcp-rsize\r\n" +
        "a=ptime:20\r\n" +
        "a=sendrecv\r\n" +
        "a=label:1\r\n" +
        "a=ssrc:1463722566 cname:ea05b7c8-1a05-4b6c-a1f1-1b7d4b0e1e2e\r\n" +
        "m=video 11264 RTP/AVP 97 98\r\n" +
        "b=AS:2000\r\n" +
        "a=rtpmap:97 H264/90000\r\n" +
        "a=fmtp:97 packetization-mode=0;profile-level-id=42c01f\r\n" +
        "a=rtpmap:98 VP8/90000\r\n" +
        "a=fmtp:98 max-fs=3600\r\n" +
        "a=rtcp-fb:* nack\r\n" +
        "a=rtcp-fb:* nack pli\r\n" +
        "a=rtcp-fb:* ccm fir\r\n" +
        "a=sendrecv\r\n" +
        "a=label:2\r\n";

    /// <summary>A WebRTC-style offer (Chrome shape, trimmed): BUNDLE, rtcp-mux, SAVPF, extmap, ssrc lines.</summary>
    public const string WebRtc =
        "v=0\r\n" +
        "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n" +
        "s=-\r\n" +
        "t=0 0\r\n" +
        "a=group:BUNDLE 0 1\r\n" +
        "a=extmap-allow-mixed\r\n" +
        "a=msid-semantic: WMS stream1\r\n" +
        "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n" +
        "c=IN IP4 0.0.0.0\r\n" +
        "a=rtcp:9 IN IP4 0.0.0.0\r\n" +
        "a=ice-ufrag:EsAw\r\n" +
        "a=ice-pwd:bP+XJMM09aR8AiX1jdukzR6Y\r\n" +
        "a=ice-options:trickle\r\n" +
        "a=fingerprint:sha-256 D2:FA:0E:C3:22:59:5E:14:95:69:92:3D:13:B4:84:24:2C:C2:A2:C0:3E:FD:34:8E:5E:EA:6F:AF:52:CE:E6:0F\r\n" +
        "a=setup:actpass\r\n" +
        "a=mid:0\r\n" +
        "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n" +
        "a=sendrecv\r\n" +
        "a=msid:stream1 track1\r\n" +
        "a=rtcp-mux\r\n" +
        "a=rtpmap:111 opus/48000/2\r\n" +
        "a=rtcp-fb:111 transport-cc\r\n" +
        "a=fmtp:111 minptime=10;useinbandfec=1\r\n" +
        "a=rtpmap:63 red/48000/2\r\n" +
        "a=fmtp:63 111/111\r\n" +
        "a=rtpmap:9 G722/8000\r\n" +
        "a=rtpmap:0 PCMU/8000\r\n" +
        "a=rtpmap:8 PCMA/8000\r\n" +
        "a=rtpmap:13 CN/8000\r\n" +
        "a=rtpmap:110 telephone-event/48000\r\n" +
        "a=rtpmap:126 telephone-event/8000\r\n" +
        "a=ssrc:3735928559 cname:4TOk42mSjXCkVIa6\r\n" +
        "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103\r\n" +
        "c=IN IP4 0.0.0.0\r\n" +
        "a=rtcp:9 IN IP4 0.0.0.0\r\n" +
        "a=mid:1\r\n" +
        "a=sendrecv\r\n" +
        "a=rtcp-mux\r\n" +
        "a=rtcp-rsize\r\n" +
        "a=rtpmap:96 VP8/90000\r\n" +
        "a=rtcp-fb:96 goog-remb\r\n" +
        "a=rtcp-fb:96 transport-cc\r\n" +
        "a=rtcp-fb:96 ccm fir\r\n" +
        "a=rtcp-fb:96 nack\r\n" +
        "a=rtcp-fb:96 nack pli\r\n" +
        "a=rtpmap:97 rtx/90000\r\n" +
        "a=fmtp:97 apt=96\r\n" +
        "a=rtpmap:102 H264/90000\r\n" +
        "a=rtcp-fb:102 goog-remb\r\n" +
        "a=rtcp-fb:102 ccm fir\r\n" +
        "a=rtcp-fb:102 nack\r\n" +
        "a=rtcp-fb:102 nack pli\r\n" +
        "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f\r\n" +
        "a=rtpmap:103 rtx/90000\r\n" +
        "a=fmtp:103 apt=102\r\n" +
        "a=ssrc-group:FID 1111 2222\r\n" +
        "a=ssrc:1111 cname:4TOk42mSjXCkVIa6\r\n" +
        "a=ssrc:2222 cname:4TOk42mSjXCkVIa6\r\n";

    /// <summary>Every field type RFC 8866 defines, in order, to exercise the less common lines.</summary>
    public const string AllFields =
        "v=0\r\n" +
        "o=jdoe 2890844526 2890842807 IN IP4 10.47.16.5\r\n" +
        "s=Hội nghị trực tuyến xã Hy Cương\r\n" +
        "i=A Seminar on the session description protocol\r\n" +
        "u=http://www.example.com/seminars/sdp.pdf\r\n" +
        "e=j.doe@example.com (Jane Doe)\r\n" +
        "p=+84 210 3846 000\r\n" +
        "c=IN IP4 224.2.17.12/127\r\n" +
        "b=CT:6000\r\n" +
        "t=2873397496 2873404696\r\n" +
        "r=7d 1h 0 25h\r\n" +
        "z=2882844526 -1h 2898848070 0\r\n" +
        "k=prompt\r\n" +
        "a=recvonly\r\n" +
        "m=audio 49170 RTP/AVP 0\r\n" +
        "i=audio line\r\n" +
        "b=TIAS:64000\r\n" +
        "m=video 51372/2 RTP/AVPF 99\r\n" +
        "c=IN IP4 224.2.17.13/127/2\r\n" +
        "b=AS:512\r\n" +
        "k=prompt\r\n" +
        "a=rtpmap:99 h263-1998/90000\r\n" +
        "a=rtcp:53020 IN IP4 126.16.64.4\r\n" +
        "a=rtcp-fb:99 trr-int 100\r\n" +
        "a=sendonly\r\n";
}
