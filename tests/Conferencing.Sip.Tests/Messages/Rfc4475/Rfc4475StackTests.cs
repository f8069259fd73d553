using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Conferencing.Sip.Auth;
using Conferencing.Sip.Stack;
using Conferencing.Sip.Transport;
using Conferencing.Sip.UserAgent;
using Microsoft.Extensions.Time.Testing;

namespace Conferencing.Sip.Tests.Messages.Rfc4475;

/// <summary>
/// RFC 4475 on the wire: each message sent as a datagram (or on a TCP connection) to a real user agent
/// on loopback, and what the stack answers compared with what the RFC says an element should do.
/// </summary>
public sealed class Rfc4475StackTests
{
    private const string Answer = "v=0\r\no=room 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40002 RTP/AVP 0\r\n";

    /// <summary>The RFC's messages name hosts in 192.0.2.0/24 without rport: answers go back to the sender as NATed peers need.</summary>
    private static SipUserAgent Agent(bool digest = false)
    {
        var agent = new SipUserAgent(new SipUserAgentOptions
        {
            User = "user",
            Stack = new SipStackOptions { ForceRport = true },
            Authenticator = digest ? new DigestServer("example.com", RandomNumberGenerator.GetBytes(32), TimeProvider.System) : null,
            PasswordOf = digest ? _ => "secret" : null,
        });
        agent.OnIncomingCall = incoming => incoming.AcceptAsync(Answer);
        return agent;
    }

    public static TheoryData<string, int> Answered => new()
    {
        // 3.1.1: valid messages get the answer their method and headers call for.
        { "wsinv", 481 },        // a To tag for a dialog we do not have
        { "intmeth", 501 },      // a method nobody defined
        { "esc01", 200 },
        { "escnull", 200 },
        { "esc02", 501 },        // RE%47IST%45R is not REGISTER
        { "lwsdisp", 200 },
        { "longreq", 200 },
        { "dblreq", 200 },       // the REGISTER; the INVITE after it is ignored
        { "semiuri", 200 },
        { "transports", 200 },
        { "mpart01", 405 },      // MESSAGE is known but not ours
        // 3.1.2: invalid messages.
        { "badinv01", 400 },
        { "clerr", 400 },
        { "ncl", 400 },
        { "scalar02", 400 },
        { "quotbal", 400 },
        { "ltgtruri", 400 },
        { "lwsruri", 400 },
        { "lwsstart", 400 },
        { "trws", 400 },
        { "escruri", 400 },
        { "baddate", 400 },
        { "regbadct", 400 },
        { "badaspec", 400 },
        { "baddn", 400 },
        { "badvers", 505 },
        { "mismatch01", 400 },
        { "mismatch02", 501 },
        // 3.2 and 3.3.
        { "badbranch", 400 },
        { "insuf", 400 },
        { "unkscm", 416 },
        { "novelsc", 416 },
        { "unksm2", 400 },       // a registrar's AoR must be a SIP or SIPS URI
        { "bext01", 420 },
        { "invut", 415 },
        { "multi01", 400 },
        { "mcl01", 400 },
        { "zeromf", 200 },       // an endpoint treats Max-Forwards 0 as if it were positive
        { "cparam01", 200 },
        { "cparam02", 200 },
        { "regescrt", 200 },
        { "sdp01", 406 },
        // 3.4.
        { "inv2543", 200 },
    };

    [Theory]
    [MemberData(nameof(Answered))]
    public async Task EachRequestGetsTheAnswerTheRfcCallsFor(string name, int status)
    {
        await using var agent = Agent();
        using var peer = new Peer(agent);
        var torture = Named(name);
        await peer.SendAsync(torture.Bytes).DefaultTimeout();
        var response = await peer.FinalResponseAsync().DefaultTimeout();
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(SipMessage.ParseForReply(torture.Bytes)!.CSeq, response.CSeq);

        // A request must not get a second, different answer (the probe comes next); the same one again is a retransmission.
        await peer.ProbeAsync(again => again.StatusCode == response.StatusCode && again.CSeq == response.CSeq).DefaultTimeout();
    }

    public static TheoryData<string> Dropped => ["unreason", "noreason", "scalarlg", "bigcode", "bcast"];

    [Theory]
    [MemberData(nameof(Dropped))]
    public async Task ResponsesThatMatchNothingOrAreBrokenAreDroppedSilently(string name)
    {
        await using var agent = Agent();
        using var peer = new Peer(agent);
        var malformedBefore = agent.Stack.MalformedCount;
        await peer.SendAsync(Named(name).Bytes).DefaultTimeout();
        await peer.ProbeAsync().DefaultTimeout();
        var malformed = agent.Stack.MalformedCount - malformedBefore;
        Assert.Equal(name is "unreason" or "noreason" ? 0 : 1, malformed);
    }

    [Fact]
    public async Task TheInsufficientRequestIsAnsweredWithWhatItCarried()
    {
        await using var agent = Agent();
        using var peer = new Peer(agent);
        await peer.SendAsync(Rfc4475Messages.Insuf.Bytes).DefaultTimeout();
        var response = await peer.FinalResponseAsync().DefaultTimeout();
        Assert.Equal(400, response.StatusCode);
        Assert.Contains("From", response.ReasonPhrase, StringComparison.Ordinal);
        Assert.Equal("z9hG4bKkdj.insuf", response.TopVia!.Branch);
        Assert.Equal(new CSeqHeader(193942, "INVITE"), response.CSeq);
    }

    [Fact]
    public async Task UnsupportedExtensionsAreNamedAndProxyRequireIsIgnored()
    {
        await using var agent = Agent();
        using var peer = new Peer(agent);
        await peer.SendAsync(Rfc4475Messages.Bext01.Bytes).DefaultTimeout();
        var response = await peer.FinalResponseAsync().DefaultTimeout();
        Assert.Equal(420, response.StatusCode);
        Assert.Equal(["nothingSupportsThis", "nothingSupportsThisEither"], response.Headers.GetAll("Unsupported"));
    }

    [Fact]
    public async Task AnUnknownBodyTypeIsRefusedSayingWhatIsAccepted()
    {
        await using var agent = Agent();
        using var peer = new Peer(agent);
        await peer.SendAsync(Rfc4475Messages.Invut.Bytes).DefaultTimeout();
        var response = await peer.FinalResponseAsync().DefaultTimeout();
        Assert.Equal(415, response.StatusCode);
        Assert.Equal("application/sdp", response.Headers["Accept"]);
    }

    [Fact]
    public async Task AnAcceptWithoutSdpGets406WithA399Warning()
    {
        await using var agent = Agent();
        using var peer = new Peer(agent);
        await peer.SendAsync(Rfc4475Messages.Sdp01.Bytes).DefaultTimeout();
        var response = await peer.FinalResponseAsync().DefaultTimeout();
        Assert.Equal(406, response.StatusCode);
        Assert.StartsWith("399 ", response.Headers["Warning"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownMethodGets501AndAKnownOneWeDoNotTakeGets405WithAllow()
    {
        await using var agent = Agent();
        using var peer = new Peer(agent);
        await peer.SendAsync(Rfc4475Messages.Intmeth.Bytes).DefaultTimeout();
        Assert.Equal(501, (await peer.FinalResponseAsync().DefaultTimeout()).StatusCode);
        await peer.SendAsync(Rfc4475Messages.Mpart01.Bytes).DefaultTimeout();
        var refused = await peer.FinalResponseAsync().DefaultTimeout();
        Assert.Equal(405, refused.StatusCode);
        Assert.Equal(SipUserAgent.Allow, refused.Headers["Allow"]);
    }

    [Fact]
    public async Task AnUnknownAuthorizationSchemeIsChallengedWithDigest()
    {
        await using var agent = Agent(digest: true);
        using var peer = new Peer(agent);
        await peer.SendAsync(Rfc4475Messages.Regaut01.Bytes).DefaultTimeout();
        var response = await peer.FinalResponseAsync().DefaultTimeout();
        Assert.Equal(401, response.StatusCode);
        Assert.All(response.Headers.GetAll("WWW-Authenticate"), c => Assert.StartsWith("Digest ", c, StringComparison.Ordinal));
        Assert.Empty(agent.Registrations);
    }

    [Fact]
    public async Task ContactParametersOutsideAngleBracketsBelongToTheContactNotTheUri()
    {
        await using var agent = Agent();
        using var peer = new Peer(agent);
        await peer.SendAsync(Rfc4475Messages.Cparam01.Bytes).DefaultTimeout();
        var response = await peer.FinalResponseAsync().DefaultTimeout();
        Assert.Equal(200, response.StatusCode);
        var binding = Assert.Single(agent.Registrations);
        Assert.Equal("sip:+19725552222@gw1.example.net", binding.Contact.ToString());
        var echoed = Assert.Single(response.Contacts);
        Assert.True(echoed.Parameters.Contains("unknownparam"));
        Assert.False(echoed.Uri.Parameters.Contains("unknownparam"));
    }

    [Fact]
    public async Task UriParametersInsideAngleBracketsAreKeptInTheBinding()
    {
        await using var agent = Agent();
        using var peer = new Peer(agent);
        await peer.SendAsync(Rfc4475Messages.Cparam02.Bytes).DefaultTimeout();
        Assert.Equal(200, (await peer.FinalResponseAsync().DefaultTimeout()).StatusCode);
        Assert.True(Assert.Single(agent.Registrations).Contact.Parameters.Contains("unknownparam"));
    }

    [Fact]
    public async Task AnEscapedHeaderInAContactIsStoredAndReturnedUnchanged()
    {
        await using var agent = Agent();
        using var peer = new Peer(agent);
        await peer.SendAsync(Rfc4475Messages.Regescrt.Bytes).DefaultTimeout();
        var response = await peer.FinalResponseAsync().DefaultTimeout();
        Assert.Equal(200, response.StatusCode);
        Assert.Equal("Route=%3Csip:sip.example.com%3E", Assert.Single(response.Contacts).Uri.Headers);
        Assert.Equal("Route=%3Csip:sip.example.com%3E", Assert.Single(agent.Registrations).Contact.Headers);
        Assert.False(response.Headers.Contains("Route"));
    }

    [Fact]
    public async Task AnRfc2543InviteIsAnsweredAndItsRetransmissionAbsorbedWithoutABranch()
    {
        await using var agent = Agent();
        var calls = 0;
        agent.OnIncomingCall = incoming =>
        {
            Interlocked.Increment(ref calls);
            return incoming.AcceptAsync(Answer);
        };
        using var peer = new Peer(agent);
        await peer.SendAsync(Rfc4475Messages.Inv2543.Bytes).DefaultTimeout();
        var ok = await peer.FinalResponseAsync().DefaultTimeout();
        Assert.Equal(200, ok.StatusCode);
        Assert.Null(ok.From!.Tag);
        Assert.NotNull(ok.To!.Tag);

        // The same INVITE again is the same transaction (no branch to tell: the 2543 identifiers do).
        await peer.SendAsync(Rfc4475Messages.Inv2543.Bytes).DefaultTimeout();
        await peer.ProbeAsync(again => again.StatusCode == 200 && again.CallId == ok.CallId).DefaultTimeout();
        Assert.Equal(1, calls);

        // The ACK, without a From tag, confirms the call.
        var ack = new SipRequest("ACK", SipUri.Parse("sip:UserB@example.com"));
        ack.Headers.Add("Via", "SIP/2.0/UDP iftgw.example.com");
        ack.Headers.CopyFrom(ok.Headers, "From");
        ack.Headers.CopyFrom(ok.Headers, "To");
        ack.Headers.CopyFrom(ok.Headers, "Call-ID");
        ack.Headers.Add("CSeq", "56 ACK");
        await peer.SendAsync(ack.ToBytes()).DefaultTimeout();
        await Assert.Single(agent.Calls).Confirmed.DefaultTimeout();
    }

    [Theory]
    [InlineData("ncl")]
    [InlineData("mcl01")]
    public async Task OnTcpABrokenContentLengthClosesTheConnection(string name)
    {
        await using var agent = Agent();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(agent.Stack.TcpEndPoint!.Value.Address).DefaultTimeout();
        await client.SendAsync(Named(name).Bytes, SocketFlags.None).DefaultTimeout();
        var buffer = new byte[4096];
        Assert.Equal(0, await client.ReceiveAsync(buffer, SocketFlags.None).DefaultTimeout());
    }

    [Fact]
    public async Task OnTcpAContentLengthLargerThanWhatCameIsWaitedFor()
    {
        await using var agent = Agent();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(agent.Stack.TcpEndPoint!.Value.Address).DefaultTimeout();
        var clerr = Rfc4475Messages.Clerr.Bytes;
        await client.SendAsync(clerr, SocketFlags.None).DefaultTimeout();

        // The rest of the 9999 bytes arrives later; only then is there a message to answer.
        var headerEnd = clerr.AsSpan().IndexOf("\r\n\r\n"u8) + 4;
        var rest = new byte[9999 - (clerr.Length - headerEnd)];
        rest.AsSpan().Fill((byte)'a');
        await client.SendAsync(rest, SocketFlags.None).DefaultTimeout();
        var response = SipMessage.Parse(await ReadOneMessageAsync(client).DefaultTimeout());
        Assert.Equal("clerr.0ha0isndaksdjweiafasdk3", response.CallId);
    }

    [Fact]
    public async Task OnTcpAMessageNeverFinishedClosesTheConnectionWhileAnIdleOneStaysOpen()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var agent = new SipUserAgent(new SipUserAgentOptions { Stack = new SipStackOptions { Time = time } });
        using var idle = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var stalled = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await idle.ConnectAsync(agent.Stack.TcpEndPoint!.Value.Address).DefaultTimeout();
        await stalled.ConnectAsync(agent.Stack.TcpEndPoint!.Value.Address).DefaultTimeout();
        await stalled.SendAsync(Rfc4475Messages.Clerr.Bytes, SocketFlags.None).DefaultTimeout();

        var closed = stalled.ReceiveAsync(new byte[4096], SocketFlags.None);
        var start = time.GetUtcNow();
        var deadline = DateTime.UtcNow + TaskTimeouts.Default;
        while (!closed.IsCompleted)
        {
            Assert.True(DateTime.UtcNow < deadline, "the stalled connection was never closed");
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(closed, Task.Delay(5));
        }

        Assert.Equal(0, await closed);
        Assert.True(time.GetUtcNow() - start >= SipTransport.DefaultIncompleteMessageTimeout);

        // The connection that sent nothing was not held to any deadline.
        var local = (IPEndPoint)idle.LocalEndPoint!;
        var options = Encoding.ASCII.GetBytes(
            $"OPTIONS sip:user@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:{local.Port};branch=z9hG4bKidle\r\nMax-Forwards: 70\r\n" +
            "From: <sip:idle@127.0.0.1>;tag=i\r\nTo: <sip:user@127.0.0.1>\r\nCall-ID: idle-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
        await idle.SendAsync(options, SocketFlags.None).DefaultTimeout();
        var response = (SipResponse)SipMessage.Parse(await ReadOneMessageAsync(idle).DefaultTimeout());
        Assert.Equal((200, "idle-1"), (response.StatusCode, response.CallId));
    }

    private static async Task<byte[]> ReadOneMessageAsync(Socket client)
    {
        var buffer = new byte[65536];
        var filled = 0;
        while (true)
        {
            filled += await client.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None);
            if (StreamFraming.TryFrame(buffer.AsSpan(0, filled), out var skipped, out var length, out _) == StreamFraming.Result.Message)
            {
                return buffer.AsSpan(skipped, length).ToArray();
            }
        }
    }

    private static TortureMessage Named(string name) => Rfc4475Messages.All.Single(m => m.Name == name);

    /// <summary>A hand-written peer bound to one agent.</summary>
    private sealed class Peer(SipUserAgent agent) : IDisposable
    {
        private readonly RawPeer _peer = new();

        public Task SendAsync(byte[] bytes) => _peer.SendAsync(bytes, agent.Stack.UdpEndPoint);

        public Task<SipResponse> FinalResponseAsync() => _peer.ReceiveFinalAsync();

        public Task ProbeAsync(Func<SipResponse, bool>? repeat = null) => _peer.ProbeAsync(agent.Stack.UdpEndPoint, repeat);

        public void Dispose() => _peer.Dispose();
    }
}
