using System.Net;
using Conferencing.Sip.Auth;
using Conferencing.Sip.Stack;
using Conferencing.Sip.UserAgent;
using Microsoft.Extensions.Time.Testing;

namespace Conferencing.Sip.Tests.UserAgent;

/// <summary>Dialog behaviour against our own agents and against a hand-written peer that answers only when told.</summary>
public sealed class DialogTests
{
    private const string Offer = "v=0\r\no=a 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n";
    private const string Answer = "v=0\r\no=b 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40002 RTP/AVP 0\r\n";

    private static SipUserAgent Agent(string user, TimeProvider? time = null, TimeSpan? sessionExpires = null, TimeSpan? minSessionExpires = null, NetworkCredential? credentials = null) =>
        new(new SipUserAgentOptions
        {
            User = user,
            Stack = new SipStackOptions { Time = time ?? TimeProvider.System },
            SessionExpires = sessionExpires ?? TimeSpan.FromSeconds(1800),
            MinSessionExpires = minSessionExpires ?? TimeSpan.FromSeconds(90),
            Credentials = credentials,
        });

    [Fact]
    public async Task AnUpdateCarriesANewOfferAndItsAnswerInOneRoundTrip()
    {
        await using var caller = Agent("province");
        await using var callee = Agent("room");
        var answered = new TaskCompletionSource<SipCall>();
        callee.OnIncomingCall = async incoming => answered.SetResult(await incoming.AcceptAsync(Answer));
        var call = await caller.InviteAsync(SipUri.Create("room", callee.Stack.UdpEndPoint.Address), callee.Stack.UdpEndPoint, Offer).DefaultTimeout();
        var theirs = await answered.Task.DefaultTimeout();
        var changed = new TaskCompletionSource<string>();
        theirs.RemoteSdpChanged += (_, sdp) => changed.TrySetResult(sdp);
        theirs.AnswerReInvite = _ => Answer.Replace("40002", "40012", StringComparison.Ordinal);

        Assert.Equal(200, await call.UpdateAsync(Offer.Replace("40000", "40010", StringComparison.Ordinal)).DefaultTimeout());
        Assert.Contains("40010", await changed.Task.DefaultTimeout(), StringComparison.Ordinal);
        Assert.Contains("40012", call.RemoteSdp, StringComparison.Ordinal);
        Assert.Contains("40010", call.LocalSdp, StringComparison.Ordinal);
        Assert.True(theirs.IsActive);
        await call.HangUpAsync().DefaultTimeout();
    }

    [Fact]
    public async Task AnIntervalBelowThePeersMinimumIsRaisedToItAndTheCallRetried()
    {
        await using var caller = Agent("province", sessionExpires: TimeSpan.FromSeconds(90));
        await using var callee = Agent("room", minSessionExpires: TimeSpan.FromSeconds(300));
        var answered = new TaskCompletionSource<SipCall>();
        callee.OnIncomingCall = async incoming => answered.SetResult(await incoming.AcceptAsync(Answer));
        var call = await caller.InviteAsync(SipUri.Create("room", callee.Stack.UdpEndPoint.Address), callee.Stack.UdpEndPoint, Offer).DefaultTimeout();
        var theirs = await answered.Task.DefaultTimeout();
        Assert.Equal(TimeSpan.FromSeconds(300), call.SessionInterval);
        Assert.Equal(TimeSpan.FromSeconds(300), theirs.SessionInterval);
        Assert.True(call.WeRefresh);
        Assert.False(theirs.WeRefresh);
        await call.HangUpAsync().DefaultTimeout();
    }

    [Theory]
    [InlineData("INVITE")]
    [InlineData("UPDATE")]
    public async Task AnOfferThatCrossesOursGets491AndOursGets491Back(string method)
    {
        await using var agent = Agent("room");
        agent.OnIncomingCall = incoming => incoming.AcceptAsync(Answer);
        using var peer = new RawPeer();
        var (theirs, target, toTag) = await CallAgentAsync(peer, agent, "glare-" + method);

        // Our re-INVITE is outstanding (the peer holds it) when the peer's own offer arrives.
        var ours = theirs.ReInviteAsync(Offer.Replace("40000", "40020", StringComparison.Ordinal));
        var held = await peer.ReceiveRequestAsync("INVITE").DefaultTimeout();
        var crossing = peer.InDialog(method, target, "glare-" + method, "p1", toTag, 2);
        crossing.Headers.Add("Content-Type", "application/sdp");
        crossing.BodyText = Offer;
        await peer.SendAsync(crossing, agent.Stack.UdpEndPoint).DefaultTimeout();
        Assert.Equal(491, (await peer.ReceiveFinalAsync(method).DefaultTimeout()).StatusCode);

        await peer.RespondAsync(held, 491, "p1").DefaultTimeout();
        Assert.Equal(491, await ours.DefaultTimeout());
        Assert.True(theirs.IsActive);
        Assert.DoesNotContain("40020", theirs.LocalSdp, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARefreshThatMeetsGlareIsTriedAgainAfterTheRfcWait()
    {
        var time = new RecordingTimeProvider(DateTimeOffset.UtcNow);
        await using var agent = Agent("province", time, sessionExpires: TimeSpan.FromSeconds(90));
        using var peer = new RawPeer();
        var placing = agent.InviteAsync(peer.Uri(), peer.SipEndPoint, Offer);
        var invite = await peer.ReceiveRequestAsync("INVITE").DefaultTimeout();
        await peer.RespondAsync(invite, 200, "r1", ok =>
        {
            ok.Headers.Add("Contact", $"<{peer.Uri()}>");
            ok.Headers.Add("Session-Expires", "90;refresher=uac");
            ok.Headers.Add("Require", "timer");
            ok.Headers.Add("Content-Type", "application/sdp");
            ok.BodyText = Answer;
        }).DefaultTimeout();
        var call = await placing.DefaultTimeout();
        Assert.True(call.WeRefresh);

        // At half the interval the refresh comes; the peer answers it with 491 (its own offer crossed).
        var refresh = peer.ReceiveRequestAsync("INVITE");
        await AdvanceUntilAsync(time, refresh);
        var timersBefore = time.Timers.Count;
        await peer.RespondAsync(await refresh, 491, "r1").DefaultTimeout();

        // We placed the call, so the retry waits 2.1 to 4 s (RFC 3261 14.1): the agent sets that timer
        // on taking the 491 (read in real time, since simulated time stands still meanwhile).
        await TaskTimeouts.WaitUntilAsync(() => time.Timers.Skip(timersBefore).Any(t => t >= TimeSpan.FromSeconds(2.1) && t <= TimeSpan.FromSeconds(4))).DefaultTimeout();
        Assert.DoesNotContain(time.Timers.Skip(timersBefore), t => t > TimeSpan.FromSeconds(4) && t < TimeSpan.FromSeconds(30));
        var retry = peer.ReceiveRequestAsync("INVITE");
        await AdvanceUntilAsync(time, retry);
        await peer.RespondAsync(await retry, 200, "r1", ok =>
        {
            ok.Headers.Add("Session-Expires", "90;refresher=uac");
            ok.Headers.Add("Content-Type", "application/sdp");
            ok.BodyText = Answer;
        }).DefaultTimeout();
        await peer.ReceiveRequestAsync("ACK").DefaultTimeout();
        Assert.True(call.IsActive);
    }

    [Fact]
    public async Task TheTopmostChallengeWithAnAlgorithmWeSpeakIsAnswered()
    {
        await using var agent = Agent("xa-pa-co", credentials: new NetworkCredential("xa-pa-co", "mat-khau"));
        using var registrar = new RawPeer();
        var registering = agent.RegisterAsync(registrar.Uri(null), registrar.SipEndPoint, TimeSpan.FromMinutes(5));
        var first = await registrar.ReceiveRequestAsync("REGISTER").DefaultTimeout();
        await registrar.RespondAsync(first, 401, "reg", challenge =>
        {
            // RFC 8760 2.4: preferred first; the UAC takes the topmost it can do.
            challenge.Headers.Add("WWW-Authenticate", "Digest realm=\"phutho\", nonce=\"n-999\", algorithm=SHA-999, qop=\"auth\"");
            challenge.Headers.Add("WWW-Authenticate", "Digest realm=\"phutho\", nonce=\"n-256\", algorithm=SHA-256, qop=\"auth\"");
            challenge.Headers.Add("WWW-Authenticate", "Digest realm=\"phutho\", nonce=\"n-md5\", algorithm=MD5, qop=\"auth\"");
        }).DefaultTimeout();

        var second = await registrar.ReceiveRequestAsync("REGISTER").DefaultTimeout();
        Assert.Equal(first.CallId, second.CallId);
        Assert.Equal(first.From!.Tag, second.From!.Tag);
        Assert.Equal(first.CSeq!.Value.Number + 1, second.CSeq!.Value.Number);
        Assert.True(DigestCredentials.TryParse(second.Headers["Authorization"], out var credentials, out var error), error);
        Assert.Equal((DigestAlgorithm.Sha256, "n-256"), (credentials.Algorithm, credentials.Nonce));
        var ha1 = Digest.Ha1(DigestAlgorithm.Sha256, "xa-pa-co", "phutho", "mat-khau");
        Assert.Equal(Digest.Response(DigestAlgorithm.Sha256, ha1, "n-256", "auth", credentials.NonceCount, credentials.Cnonce, "REGISTER", credentials.Uri), credentials.Response);

        await registrar.RespondAsync(second, 200, "reg").DefaultTimeout();
        Assert.Equal(200, (await registering.DefaultTimeout()).StatusCode);
    }

    /// <summary>The peer calls the agent and confirms the call; gives the agent's call, its Contact and its To tag.</summary>
    private static async Task<(SipCall Call, SipUri Target, string ToTag)> CallAgentAsync(RawPeer peer, SipUserAgent agent, string callId)
    {
        var answered = new TaskCompletionSource<SipCall>();
        agent.OnIncomingCall = async incoming => answered.SetResult(await incoming.AcceptAsync(Answer));
        var invite = new SipRequest("INVITE", SipUri.Create("room", agent.Stack.UdpEndPoint.Address));
        invite.Headers.Add("Via", $"SIP/2.0/UDP {peer.EndPoint};branch={SipRequest.NewBranch()}");
        invite.Headers.Add("Max-Forwards", "70");
        invite.Headers.Add("From", $"<{peer.Uri()}>;tag=p1");
        invite.Headers.Add("To", $"<{invite.RequestUri}>");
        invite.Headers.Add("Call-ID", callId);
        invite.Headers.Add("CSeq", "1 INVITE");
        invite.Headers.Add("Contact", $"<{peer.Uri()}>");
        invite.Headers.Add("Content-Type", "application/sdp");
        invite.BodyText = Offer;
        await peer.SendAsync(invite, agent.Stack.UdpEndPoint).DefaultTimeout();
        var ok = await peer.ReceiveFinalAsync("INVITE").DefaultTimeout();
        Assert.Equal(200, ok.StatusCode);
        var target = ok.Contacts[0].Uri;
        var ack = peer.InDialog("ACK", target, callId, "p1", ok.To!.Tag!, 1);
        await peer.SendAsync(ack, agent.Stack.UdpEndPoint).DefaultTimeout();
        var call = await answered.Task.DefaultTimeout();
        await call.Confirmed.DefaultTimeout();
        return (call, target, ok.To.Tag!);
    }

    /// <summary>Simulated time that remembers the due time of every timer created on it, in order.</summary>
    private sealed class RecordingTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
    {
        private readonly List<TimeSpan> _timers = [];

        public IReadOnlyList<TimeSpan> Timers
        {
            get
            {
                lock (_timers)
                {
                    return [.. _timers];
                }
            }
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            lock (_timers)
            {
                _timers.Add(dueTime);
            }

            return base.CreateTimer(callback, state, dueTime, period);
        }
    }

    /// <summary>Moves simulated time in small steps, letting the agent's work run between them, until <paramref name="task"/> completes.</summary>
    private static async Task AdvanceUntilAsync(FakeTimeProvider time, Task task)
    {
        var deadline = DateTime.UtcNow + TaskTimeouts.Default;
        while (!task.IsCompleted)
        {
            Assert.True(DateTime.UtcNow < deadline, "nothing happened in simulated time");
            time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.WhenAny(task, Task.Delay(2));
        }
    }
}
