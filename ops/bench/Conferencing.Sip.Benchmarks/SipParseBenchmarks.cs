using System.Text;
using BenchmarkDotNet.Attributes;
using Conferencing.Sip;

namespace Conferencing.Sip.Benchmarks;

/// <summary>SIP message parsing and serialization: messages per second and bytes allocated per message.</summary>
[MemoryDiagnoser]
public class SipParseBenchmarks
{
    private static readonly byte[] Invite = Encoding.ASCII.GetBytes(
        "INVITE sip:xa-hy-cuong@10.10.1.25:5060 SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP 10.10.0.1:5060;branch=z9hG4bK8f3a2c1d9e7b;rport\r\n" +
        "Max-Forwards: 70\r\n" +
        "From: \"UBND tinh\" <sip:province@10.10.0.1>;tag=4f2a9c81\r\n" +
        "To: <sip:xa-hy-cuong@10.10.1.25>\r\n" +
        "Call-ID: 7d1e0c9a4b2f8e6d5c3a1b09@10.10.0.1\r\n" +
        "CSeq: 1 INVITE\r\n" +
        "Contact: <sip:province@10.10.0.1:5060>\r\n" +
        "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE\r\n" +
        "Supported: timer\r\nSession-Expires: 1800\r\nMin-SE: 90\r\n" +
        "Content-Type: application/sdp\r\n" +
        "Content-Length: 270\r\n\r\n" +
        "v=0\r\no=province 1 1 IN IP4 10.10.0.1\r\ns=-\r\nc=IN IP4 10.10.0.1\r\nt=0 0\r\n" +
        "m=audio 40000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n" +
        "m=video 40002 RTP/AVPF 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 profile-level-id=42e01f;packetization-mode=1\r\na=rtcp-fb:96 nack pli\r\n");

    private static readonly byte[] Ok = Encoding.ASCII.GetBytes(
        "SIP/2.0 200 OK\r\n" +
        "Via: SIP/2.0/UDP 10.10.0.1:5060;branch=z9hG4bK8f3a2c1d9e7b;rport=5060;received=10.10.0.1\r\n" +
        "From: \"UBND tinh\" <sip:province@10.10.0.1>;tag=4f2a9c81\r\n" +
        "To: <sip:xa-hy-cuong@10.10.1.25>;tag=a81c3e\r\n" +
        "Call-ID: 7d1e0c9a4b2f8e6d5c3a1b09@10.10.0.1\r\n" +
        "CSeq: 1 INVITE\r\n" +
        "Contact: <sip:room@10.10.1.25:5060>\r\n" +
        "Content-Length: 0\r\n\r\n");

    private readonly SipMessage _parsed = SipMessage.Parse(Invite);

    /// <summary>Parse an INVITE with an SDP body.</summary>
    [Benchmark]
    public SipMessage ParseInvite() => SipMessage.Parse(Invite);

    /// <summary>Parse a 200 OK.</summary>
    [Benchmark]
    public SipMessage ParseOk() => SipMessage.Parse(Ok);

    /// <summary>Parse an INVITE and read the headers a transaction layer needs.</summary>
    [Benchmark]
    public string? ParseInviteAndMatch()
    {
        var message = SipMessage.Parse(Invite);
        return message.TopVia?.Branch + message.CSeq?.Method;
    }

    /// <summary>Serialize a parsed INVITE.</summary>
    [Benchmark]
    public byte[] SerializeInvite() => _parsed.ToBytes();
}
