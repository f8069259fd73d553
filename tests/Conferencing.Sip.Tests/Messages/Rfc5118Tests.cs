using System.Net;
using System.Net.Sockets;
using System.Text;
using Conferencing.Sip.Sdp;
using Conferencing.Sip.Stack;
using Conferencing.Sip.Transport;
using Conferencing.Sip.UserAgent;

namespace Conferencing.Sip.Tests.Messages;

/// <summary>
/// The IPv6 torture messages of RFC 5118, typed in from the RFC, and a call over IPv6 loopback. Three
/// of the RFC's messages state a Content-Length that their own SDP body does not have (268 for 251
/// octets in 4.6, 181 for 189 in 4.8, 236 for 245 in 4.9); they are typed with the length of the body
/// the RFC prints, since the point of those messages is the addresses, not the framing.
/// </summary>
public sealed class Rfc5118Tests
{
    private static string Lines(params string[] lines) => string.Join("\r\n", lines);

    /// <summary>4.1 ipv6-good.</summary>
    private static readonly string Ipv6Good = Lines(
        "REGISTER sip:[2001:db8::10] SIP/2.0",
        "To: sip:user@example.com",
        "From: sip:user@example.com;tag=81x2",
        "Via: SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3-111",
        "Call-ID: SSG9559905523997077@hlau_4100",
        "Max-Forwards: 70",
        "Contact: \"Caller\" <sip:caller@[2001:db8::1]>",
        "CSeq: 98176 REGISTER",
        "Content-Length: 0",
        "",
        "");

    /// <summary>4.2 ipv6-bad: the IPv6 address of the Request-URI is not in brackets.</summary>
    private static readonly string Ipv6Bad = Ipv6Good.Replace("REGISTER sip:[2001:db8::10] SIP/2.0", "REGISTER sip:2001:db8::10 SIP/2.0", StringComparison.Ordinal);

    /// <summary>4.3 port-ambiguous: 5070 is the last group of the address, not a port.</summary>
    private static readonly string PortAmbiguous = Lines(
        "REGISTER sip:[2001:db8::10:5070] SIP/2.0",
        "To: sip:user@example.com",
        "From: sip:user@example.com;tag=81x2",
        "Via: SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3-111",
        "Call-ID: SSG9559905523997077@hlau_4100",
        "Contact: \"Caller\" <sip:caller@[2001:db8::1]>",
        "Max-Forwards: 70",
        "CSeq: 98176 REGISTER",
        "Content-Length: 0",
        "",
        "");

    /// <summary>4.4 port-unambiguous.</summary>
    private static readonly string PortUnambiguous = PortAmbiguous.Replace("sip:[2001:db8::10:5070]", "sip:[2001:db8::10]:5070", StringComparison.Ordinal);

    /// <summary>4.5 via-received-param-with-delim.</summary>
    private static readonly string ReceivedWithDelimiters = Lines(
        "BYE sip:[2001:db8::10] SIP/2.0",
        "To: sip:user@example.com;tag=bd76ya",
        "From: sip:user@example.com;tag=81x2",
        "Via: SIP/2.0/UDP [2001:db8::9:1];received=[2001:db8::9:255];branch=z9hG4bKas3-111",
        "Call-ID: SSG9559905523997077@hlau_4100",
        "Max-Forwards: 70",
        "CSeq: 321 BYE",
        "Content-Length: 0",
        "",
        "");

    /// <summary>4.5 via-received-param-no-delim.</summary>
    private static readonly string ReceivedWithoutDelimiters = Lines(
        "OPTIONS sip:[2001:db8::10] SIP/2.0",
        "To: sip:user@example.com",
        "From: sip:user@example.com;tag=81x2",
        "Via: SIP/2.0/UDP [2001:db8::9:1];received=2001:db8::9:255;branch=z9hG4bKas3",
        "Call-ID: SSG95523997077@hlau_4100",
        "Max-Forwards: 70",
        "Contact: \"Caller\" <sip:caller@[2001:db8::9:1]>",
        "CSeq: 921 OPTIONS",
        "Content-Length: 0",
        "",
        "");

    /// <summary>4.6 ipv6-in-sdp.</summary>
    private static readonly string Ipv6InSdp = Lines(
        "INVITE sip:user@[2001:db8::10] SIP/2.0",
        "To: sip:user@[2001:db8::10]",
        "From: sip:user@example.com;tag=81x2",
        "Via: SIP/2.0/UDP [2001:db8::20];branch=z9hG4bKas3-111",
        "Call-ID: SSG9559905523997077@hlau_4100",
        "Contact: \"Caller\" <sip:caller@[2001:db8::20]>",
        "CSeq: 8612 INVITE",
        "Max-Forwards: 70",
        "Content-Type: application/sdp",
        "Content-Length: 251",
        "",
        "v=0",
        "o=assistant 971731711378798081 0 IN IP6 2001:db8::20",
        "s=Live video feed for today's meeting",
        "c=IN IP6 2001:db8::20",
        "t=3338481189 3370017201",
        "m=audio 6000 RTP/AVP 2",
        "a=rtpmap:2 G726-32/8000",
        "m=video 6024 RTP/AVP 107",
        "a=rtpmap:107 H263-1998/90000",
        "");

    /// <summary>4.7 mult-ip-in-header.</summary>
    private static readonly string MultipleAddressesInHeaders = Lines(
        "BYE sip:user@host.example.net SIP/2.0",
        "Via: SIP/2.0/UDP [2001:db8::9:1]:6050;branch=z9hG4bKas3-111",
        "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKjhja8781hjuaij65144",
        "Via: SIP/2.0/TCP [2001:db8::9:255];branch=z9hG4bK451jj;received=192.0.2.200",
        "Call-ID: 997077@lau_4100",
        "Max-Forwards: 70",
        "CSeq: 89187 BYE",
        "To: sip:user@example.net;tag=9817--94",
        "From: sip:user@example.com;tag=81x2",
        "Content-Length: 0",
        "",
        "");

    /// <summary>4.8 mult-ip-in-sdp.</summary>
    private static readonly string MultipleAddressesInSdp = Lines(
        "INVITE sip:user@[2001:db8::10] SIP/2.0",
        "To: sip:user@[2001:db8::10]",
        "From: sip:user@example.com;tag=81x2",
        "Via: SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3-111",
        "Call-ID: SSG9559905523997077@hlau_4100",
        "Contact: \"Caller\" <sip:caller@[2001:db8::9:1]>",
        "Max-Forwards: 70",
        "CSeq: 8912 INVITE",
        "Content-Type: application/sdp",
        "Content-Length: 189",
        "",
        "v=0",
        "o=bob 280744730 28977631 IN IP4 host.example.com",
        "s=",
        "t=0 0",
        "m=audio 22334 RTP/AVP 0",
        "c=IN IP4 192.0.2.1",
        "m=video 6024 RTP/AVP 107",
        "c=IN IP6 2001:db8::1",
        "a=rtpmap:107 H263-1998/90000",
        "");

    /// <summary>4.9 ipv4-mapped-ipv6.</summary>
    private static readonly string Ipv4MappedIpv6 = Lines(
        "INVITE sip:user@example.com SIP/2.0",
        "To: sip:user@example.com",
        "From: sip:user@east.example.com;tag=81x2",
        "Via: SIP/2.0/UDP [::ffff:192.0.2.10]:19823;branch=z9hG4bKbh19",
        "Via: SIP/2.0/UDP [::ffff:192.0.2.2];branch=z9hG4bKas3-111",
        "Call-ID: SSG9559905523997077@hlau_4100",
        "Contact: \"T. desk phone\" <sip:ted@[::ffff:192.0.2.2]>",
        "CSeq: 612 INVITE",
        "Max-Forwards: 70",
        "Content-Type: application/sdp",
        "Content-Length: 245",
        "",
        "v=0",
        "o=assistant 971731711378798081 0 IN IP6 ::ffff:192.0.2.2",
        "s=Call me soon, please!",
        "c=IN IP6 ::ffff:192.0.2.2",
        "t=3338481189 3370017201",
        "m=audio 6000 RTP/AVP 2",
        "a=rtpmap:2 G726-32/8000",
        "m=video 6024 RTP/AVP 107",
        "a=rtpmap:107 H263-1998/90000",
        "");

    /// <summary>4.10 ipv6-bug-abnf-3-colons: an address RFC 3261's ABNF lets through but IPv6 does not have.</summary>
    private static readonly string ThreeColons = Lines(
        "OPTIONS sip:user@[2001:db8:::192.0.2.1] SIP/2.0",
        "To: sip:user@[2001:db8:::192.0.2.1]",
        "From: sip:user@example.com;tag=810x2",
        "Via: SIP/2.0/UDP lab1.east.example.com;branch=z9hG4bKas3-111",
        "Call-ID: G9559905523997077@hlau_4100",
        "CSeq: 689 OPTIONS",
        "Max-Forwards: 70",
        "Content-Length: 0",
        "",
        "");

    /// <summary>4.10 ipv6-correct-abnf-2-colons.</summary>
    private static readonly string TwoColons = ThreeColons.Replace(":::", "::", StringComparison.Ordinal);

    [Fact]
    public void AnIpv6ReferenceParsesInRequestUriViaAndContact()
    {
        var request = Assert.IsType<SipRequest>(SipMessage.Parse(Encoding.ASCII.GetBytes(Ipv6Good)));
        Assert.Null(request.Validate());
        Assert.Equal("[2001:db8::10]", request.RequestUri.Host);
        Assert.Equal(IPAddress.Parse("2001:db8::10"), IPAddress.Parse(request.RequestUri.HostWithoutBrackets));
        Assert.Equal("[2001:db8::9:1]", request.TopVia!.Host);
        Assert.Null(request.TopVia.Port);
        Assert.Equal("[2001:db8::1]", request.Contacts[0].Uri.Host);
        Assert.Equal("sip:caller@[2001:db8::1]", SipMessage.Parse(request.ToBytes()).Contacts[0].Uri.ToString());
    }

    [Theory]
    [InlineData("ipv6-bad")]
    [InlineData("ipv6-bug-abnf-3-colons")]
    public void AnIpv6AddressOutsideBracketsOrWithThreeColonsIsRefused(string name)
    {
        var text = name == "ipv6-bad" ? Ipv6Bad : ThreeColons;
        Assert.False(SipMessage.TryParse(Encoding.ASCII.GetBytes(text), out _, out var error));
        Assert.Contains("Request-URI", error, StringComparison.Ordinal);
    }

    [Fact]
    public void APortIsOnlyWhatFollowsTheClosingBracket()
    {
        var ambiguous = (SipRequest)SipMessage.Parse(Encoding.ASCII.GetBytes(PortAmbiguous));
        Assert.Equal("[2001:db8::10:5070]", ambiguous.RequestUri.Host);
        Assert.Null(ambiguous.RequestUri.Port);
        var unambiguous = (SipRequest)SipMessage.Parse(Encoding.ASCII.GetBytes(PortUnambiguous));
        Assert.Equal("[2001:db8::10]", unambiguous.RequestUri.Host);
        Assert.Equal(5070, unambiguous.RequestUri.Port);
        Assert.False(ambiguous.RequestUri.EquivalentTo(unambiguous.RequestUri));
    }

    [Theory]
    [InlineData("with", "[2001:db8::9:255]")]
    [InlineData("without", "2001:db8::9:255")]
    public void AReceivedParameterMayCarryAnIpv6AddressWithOrWithoutBrackets(string delimiters, string received)
    {
        var message = SipMessage.Parse(Encoding.ASCII.GetBytes(delimiters == "with" ? ReceivedWithDelimiters : ReceivedWithoutDelimiters));
        Assert.Null(message.Validate());
        Assert.Equal(received, message.TopVia!.Parameters["received"]);
        Assert.Equal(IPAddress.Parse("2001:db8::9:255"), IPAddress.Parse(received.Trim('[', ']')));
        Assert.Equal(received, SipMessage.Parse(message.ToBytes()).TopVia!.Parameters["received"]);
    }

    [Fact]
    public void Ipv6AddressesInTheSdpBodyHaveNoBrackets()
    {
        var request = SipMessage.Parse(Encoding.ASCII.GetBytes(Ipv6InSdp));
        Assert.Null(request.Validate());
        var sdp = SessionDescription.Parse(request.BodyText);
        Assert.Equal("IP6", sdp.Origin.AddressType);
        Assert.Equal("2001:db8::20", sdp.Connection!.Address);
        Assert.Equal(["audio", "video"], sdp.Media.Select(m => m.Media));
    }

    [Fact]
    public void ViasMixIpv6AndIpv4WithAndWithoutPorts()
    {
        var message = SipMessage.Parse(Encoding.ASCII.GetBytes(MultipleAddressesInHeaders));
        Assert.Null(message.Validate());
        Assert.Equal([("UDP", "[2001:db8::9:1]", 6050), ("UDP", "192.0.2.1", (int?)null), ("TCP", "[2001:db8::9:255]", null)],
            message.Vias.Select(v => (v.Transport, v.Host, v.Port)));
        Assert.Equal("192.0.2.200", message.Vias[2].Parameters["received"]);
    }

    [Fact]
    public void EachMediaStreamKeepsItsOwnAddressFamily()
    {
        var sdp = SessionDescription.Parse(SipMessage.Parse(Encoding.ASCII.GetBytes(MultipleAddressesInSdp)).BodyText);
        Assert.Equal([("IP4", "192.0.2.1"), ("IP6", "2001:db8::1")], sdp.Media.Select(m => (m.Connection!.AddressType, m.Connection.Address)));
    }

    [Fact]
    public void Ipv4MappedIpv6AddressesParseInViaContactAndSdp()
    {
        var message = SipMessage.Parse(Encoding.ASCII.GetBytes(Ipv4MappedIpv6));
        Assert.Null(message.Validate());
        Assert.Equal([("[::ffff:192.0.2.10]", 19823), ("[::ffff:192.0.2.2]", (int?)null)], message.Vias.Select(v => (v.Host, v.Port)));
        Assert.True(IPAddress.Parse(message.Contacts[0].Uri.HostWithoutBrackets).IsIPv4MappedToIPv6);
        Assert.Equal("::ffff:192.0.2.2", SessionDescription.Parse(message.BodyText).Connection!.Address);
    }

    [Fact]
    public void TheCorrectTwoColonFormOfAnEmbeddedIpv4AddressParses()
    {
        var request = (SipRequest)SipMessage.Parse(Encoding.ASCII.GetBytes(TwoColons));
        Assert.Equal(IPAddress.Parse("2001:db8::c000:201"), IPAddress.Parse(request.RequestUri.HostWithoutBrackets));
    }

    [Fact]
    public async Task ACallRunsOverIpv6WithBracketedViaAndContact()
    {
        await using var caller = new SipUserAgent(new SipUserAgentOptions { User = "province", Stack = new SipStackOptions { Bind = new IPEndPoint(IPAddress.IPv6Loopback, 0) } });
        await using var callee = new SipUserAgent(new SipUserAgentOptions { User = "room", Stack = new SipStackOptions { Bind = new IPEndPoint(IPAddress.IPv6Loopback, 0) } });
        var seen = new TaskCompletionSource<SipRequest>();
        var answered = new TaskCompletionSource<SipCall>();
        callee.OnIncomingCall = async incoming =>
        {
            seen.TrySetResult(incoming.Invite.Request);
            answered.TrySetResult(await incoming.AcceptAsync("v=0\r\no=room 1 1 IN IP6 ::1\r\ns=-\r\nc=IN IP6 ::1\r\nt=0 0\r\nm=audio 40002 RTP/AVP 0\r\n"));
        };
        var call = await caller.InviteAsync(SipUri.Create("room", callee.Stack.UdpEndPoint.Address), callee.Stack.UdpEndPoint,
            "v=0\r\no=province 1 1 IN IP6 ::1\r\ns=-\r\nc=IN IP6 ::1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n").DefaultTimeout();
        var invite = await seen.Task.DefaultTimeout();
        Assert.Equal("[::1]", invite.TopVia!.Host);
        Assert.Equal("[::1]", invite.Contacts[0].Uri.Host);
        Assert.Equal(AddressFamily.InterNetworkV6, call.Dialog.Peer.Address.AddressFamily);
        Assert.Equal(200, await call.SendInfoAsync("text/plain", "xin chào").DefaultTimeout());
        await call.HangUpAsync().DefaultTimeout();
        Assert.False((await (await answered.Task.DefaultTimeout()).Ended.DefaultTimeout()).ByUs);
        Assert.Empty(callee.Calls);
    }
}
