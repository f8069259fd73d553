using System.Net;
using System.Text;
using Conferencing.Sip.Auth;
using Conferencing.Sip.Stack;
using Conferencing.Sip.Transport;
using Conferencing.Sip.UserAgent;
using Microsoft.Extensions.Time.Testing;

namespace Conferencing.Sip.Tests.UserAgent;

/// <summary>Two real user agents on loopback sockets.</summary>
public sealed class UserAgentTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private const string Offer = "v=0\r\no=a 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n";
    private const string Answer = "v=0\r\no=b 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40002 RTP/AVP 0\r\n";

    private static SipUserAgent Agent(string user, TimeProvider? time = null, Func<SipUserAgentOptions, SipUserAgentOptions>? configure = null)
    {
        var options = new SipUserAgentOptions { User = user, Stack = new SipStackOptions { Time = time ?? TimeProvider.System } };
        return new SipUserAgent(configure?.Invoke(options) ?? options);
    }

    private static SipUri Target(SipUserAgent agent, string user = "room") => SipUri.Create(user, agent.Stack.UdpEndPoint.Address);

    [Theory]
    [InlineData(SipProtocol.Udp)]
    [InlineData(SipProtocol.Tcp)]
    public async Task ACallConnectsCarriesInfoAndReInviteAndEndsWithBye(SipProtocol protocol)
    {
        await using var caller = Agent("province");
        await using var callee = Agent("room");
        var answered = new TaskCompletionSource<SipCall>();
        callee.OnIncomingCall = async incoming =>
        {
            Assert.Equal(Offer, incoming.RemoteSdp);
            await incoming.RingAsync();
            answered.SetResult(await incoming.AcceptAsync(Answer));
        };

        var provisional = new List<int>();
        var destination = protocol == SipProtocol.Udp ? callee.Stack.UdpEndPoint : callee.Stack.TcpEndPoint!.Value;
        var call = await caller.InviteAsync(Target(callee), destination, Offer, r => provisional.Add(r.StatusCode)).WaitAsync(Timeout);
        var theirs = await answered.Task.WaitAsync(Timeout);
        await theirs.Confirmed.WaitAsync(Timeout);
        Assert.Equal(Answer, call.RemoteSdp);
        Assert.Contains(180, provisional);

        var info = new TaskCompletionSource<string>();
        theirs.InfoReceived += (_, type, body) => info.TrySetResult(type + "|" + body);
        var fastUpdate = "<?xml version=\"1.0\" encoding=\"utf-8\" ?><media_control><vc_primitive><to_encoder><picture_fast_update/></to_encoder></vc_primitive></media_control>";
        Assert.Equal(200, await call.SendInfoAsync("application/media_control+xml", fastUpdate).WaitAsync(Timeout));
        Assert.Equal("application/media_control+xml|" + fastUpdate, await info.Task.WaitAsync(Timeout));

        theirs.AnswerReInvite = offer => Answer.Replace("40002", "40004", StringComparison.Ordinal);
        Assert.Equal(200, await call.ReInviteAsync(Offer.Replace("40000", "40006", StringComparison.Ordinal)).WaitAsync(Timeout));
        Assert.Contains("40004", call.RemoteSdp, StringComparison.Ordinal);
        Assert.Contains("40006", theirs.RemoteSdp, StringComparison.Ordinal);

        await call.HangUpAsync().WaitAsync(Timeout);
        var end = await theirs.Ended.WaitAsync(Timeout);
        Assert.False(end.ByUs);
        Assert.Empty(caller.Calls);
        Assert.Empty(callee.Calls);
    }

    [Fact]
    public async Task ARejectedCallFailsWithTheStatus()
    {
        await using var caller = Agent("province");
        await using var callee = Agent("room");
        callee.OnIncomingCall = incoming => incoming.RejectAsync(486).AsTask();
        var e = await Assert.ThrowsAsync<SipCallFailedException>(() => caller.InviteAsync(Target(callee), callee.Stack.UdpEndPoint, Offer)).WaitAsync(Timeout);
        Assert.Equal(486, e.StatusCode);
    }

    [Fact]
    public async Task CancellingWhileRingingGives487AndTellsTheCallee()
    {
        await using var caller = Agent("province");
        await using var callee = Agent("room");
        var cancelled = new TaskCompletionSource();
        callee.OnIncomingCall = async incoming =>
        {
            incoming.Cancelled.Register(() => cancelled.TrySetResult());
            await incoming.RingAsync();
        };

        using var cts = new CancellationTokenSource();
        var ringing = new TaskCompletionSource();
        var placing = caller.InviteAsync(Target(callee), callee.Stack.UdpEndPoint, Offer, r =>
        {
            if (r.StatusCode == 180)
            {
                ringing.TrySetResult();
            }
        }, cts.Token);
        await ringing.Task.WaitAsync(Timeout);
        await cts.CancelAsync();
        var e = await Assert.ThrowsAsync<SipCallFailedException>(() => placing).WaitAsync(Timeout);
        Assert.Equal(487, e.StatusCode);
        await cancelled.Task.WaitAsync(Timeout);
    }

    [Fact]
    public async Task RegisteringAnswersTheDigestChallengeAndAWrongPasswordIsRefused()
    {
        var server = new DigestServer("hoinghi.phutho", RandomKey(), TimeProvider.System);
        await using var registrar = Agent("registrar", configure: o => new SipUserAgentOptions
        {
            User = o.User, Stack = o.Stack, Authenticator = server, PasswordOf = u => u == "xa-pa-co" ? "mat-khau-pa-co" : null,
        });
        await using var room = Agent("xa-pa-co", configure: o => new SipUserAgentOptions { User = o.User, Stack = o.Stack, Credentials = new NetworkCredential("xa-pa-co", "mat-khau-pa-co") });
        await using var impostor = Agent("xa-pa-co", configure: o => new SipUserAgentOptions { User = o.User, Stack = o.Stack, Credentials = new NetworkCredential("xa-pa-co", "sai") });

        var ok = await room.RegisterAsync(SipUri.Create(null, registrar.Stack.UdpEndPoint.Address), registrar.Stack.UdpEndPoint, TimeSpan.FromMinutes(5)).WaitAsync(Timeout);
        Assert.Equal(200, ok.StatusCode);
        var binding = Assert.Single(registrar.Registrations);
        Assert.Equal("xa-pa-co", binding.Username);
        Assert.Equal(room.Stack.UdpEndPoint.Address.Port, binding.Contact.Port);

        var refused = await impostor.RegisterAsync(SipUri.Create(null, registrar.Stack.UdpEndPoint.Address), registrar.Stack.UdpEndPoint, TimeSpan.FromMinutes(5)).WaitAsync(Timeout);
        Assert.Equal(401, refused.StatusCode);
    }

    [Fact]
    public async Task OptionsIsAnsweredWithWhatWeSupport()
    {
        await using var a = Agent("a");
        await using var b = Agent("b");
        var response = await a.OptionsAsync(Target(b), b.Stack.UdpEndPoint).WaitAsync(Timeout);
        Assert.Equal(200, response.StatusCode);
        Assert.Contains("INVITE", response.Headers["Allow"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnansweredRequestTimesOutAs408InSimulatedTime()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var a = Agent("a", time);
        using var silent = new System.Net.Sockets.UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var pending = a.OptionsAsync(SipUri.Create("x", "127.0.0.1"), new SipEndPoint(SipProtocol.Udp, (IPEndPoint)silent.Client.LocalEndPoint!));
        for (var i = 0; i < 70 && !pending.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(500));
            await Task.Delay(5);
        }

        Assert.Equal(408, (await pending.WaitAsync(Timeout)).StatusCode);
        Assert.True(silent.Available > 0);
    }

    [Fact]
    public async Task MalformedDatagramsAreCountedAndBadRequestsGet400()
    {
        await using var agent = Agent("a");
        using var peer = new System.Net.Sockets.UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        await peer.SendAsync(Encoding.ASCII.GetBytes("garbage\r\n\r\n"), agent.Stack.UdpEndPoint.Address).AsTask().WaitAsync(Timeout);
        var port = ((IPEndPoint)peer.Client.LocalEndPoint!).Port;
        var noCSeqMethodMatch = $"OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK77\r\nFrom: <sip:p@h>;tag=1\r\nTo: <sip:a@h>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
        await peer.SendAsync(Encoding.ASCII.GetBytes(noCSeqMethodMatch), agent.Stack.UdpEndPoint.Address).AsTask().WaitAsync(Timeout);
        var reply = await peer.ReceiveAsync().WaitAsync(Timeout);
        var response = Assert.IsType<SipResponse>(SipMessage.Parse(reply.Buffer));
        Assert.Equal(400, response.StatusCode);
        Assert.Contains("does not match", response.ReasonPhrase, StringComparison.Ordinal);
        Assert.Equal(2, agent.Stack.MalformedCount);
    }

    [Fact]
    public async Task WithoutARefreshTheNonRefresherEndsTheSession()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var caller = Agent("province", time, o => new SipUserAgentOptions { User = o.User, Stack = o.Stack, SessionExpires = TimeSpan.FromSeconds(90) });
        await using var callee = Agent("room", time);
        var answered = new TaskCompletionSource<SipCall>();
        callee.OnIncomingCall = async incoming => answered.SetResult(await incoming.AcceptAsync(Answer));
        var call = await caller.InviteAsync(Target(callee), callee.Stack.UdpEndPoint, Offer).WaitAsync(Timeout);
        var theirs = await answered.Task.WaitAsync(Timeout);
        Assert.Equal(TimeSpan.FromSeconds(90), theirs.SessionInterval);
        Assert.False(theirs.WeRefresh);
        Assert.True(call.WeRefresh);

        // The caller vanishes without BYE; the callee gives up before the interval runs out.
        await caller.DisposeAsync();
        for (var i = 0; i < 100 && theirs.IsActive; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(2);
        }

        Assert.Equal("session expired", (await theirs.Ended.WaitAsync(Timeout)).Reason);
    }

    [Fact]
    public async Task ALostAckIsRecoveredBecauseThe200IsRetransmittedUntilTheAckArrives()
    {
        await using var caller = Agent("province");
        await using var callee = Agent("room");
        var answered = new TaskCompletionSource<SipCall>();
        callee.OnIncomingCall = async incoming => answered.SetResult(await incoming.AcceptAsync(Answer));
        await using var lossy = new Interop.LossyRelay(callee.Stack.UdpEndPoint.Address, dropAcks: 1);
        var destination = new SipEndPoint(SipProtocol.Udp, lossy.EndPoint);
        var call = await caller.InviteAsync(SipUri.Create("room", lossy.EndPoint), destination, Offer).DefaultTimeout();
        var theirs = await answered.Task.DefaultTimeout();
        await theirs.Confirmed.DefaultTimeout();
        Assert.True(theirs.IsActive);
        Assert.Equal(1, lossy.DroppedAcks);
        Assert.True(lossy.ForwardedOks >= 2, "the 200 was not retransmitted");
        await call.HangUpAsync().DefaultTimeout();
        Assert.False((await theirs.Ended.DefaultTimeout()).ByUs);
    }

    private static byte[] RandomKey() => System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
}
