using System.Diagnostics;
using System.Net;
using Conferencing.Sip.Auth;
using Conferencing.Sip.Stack;
using Conferencing.Sip.Transport;
using Conferencing.Sip.UserAgent;
using Microsoft.Extensions.Time.Testing;

namespace Conferencing.Sip.Tests.UserAgent;

/// <summary>
/// The registrar against room systems that get things wrong on purpose: our own agent where a
/// well-behaved peer will do, a hand-written peer on a loopback socket where the digest answer itself
/// must be bent.
/// </summary>
public sealed class RegistrarHardeningTests
{
    private const string Password = "mat-khau-pa-co";

    private static SipUserAgent Registrar(DigestServer? server = null, Func<string, bool>? allowsMd5 = null, AuthThrottle? throttle = null) =>
        new(new SipUserAgentOptions
        {
            User = "registrar",
            Stack = new SipStackOptions(),
            Authenticator = server ?? new DigestServer("hoinghi.phutho", System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), TimeProvider.System),
            PasswordOf = u => u is "xa-pa-co" or "old-room" ? Password : null,
            AllowsMd5 = allowsMd5 ?? (_ => false),
            Throttle = throttle ?? new AuthThrottle(),
        });

    private static SipUserAgent Room(string aorUser, string digestUser = "xa-pa-co", string password = Password) =>
        new(new SipUserAgentOptions { User = aorUser, Stack = new SipStackOptions(), Credentials = new NetworkCredential(digestUser, password) });

    private static SipUri RegistrarUri(SipUserAgent registrar) => SipUri.Create(null, registrar.Stack.UdpEndPoint.Address);

    /// <summary>A REGISTER written out by hand, for <paramref name="aorUser"/> at the registrar's address.</summary>
    private static SipRequest Register(RawPeer peer, SipUserAgent registrar, string aorUser, string callId, uint cseq, string? authorization = null)
    {
        var host = registrar.Stack.UdpEndPoint.Address;
        var request = new SipRequest("REGISTER", SipUri.Create(null, host));
        request.Headers.Add("Via", $"SIP/2.0/UDP {peer.EndPoint};branch={SipRequest.NewBranch()};rport");
        request.Headers.Add("Max-Forwards", "70");
        request.Headers.Add("From", $"<{SipUri.Create(aorUser, host)}>;tag=t{callId}");
        request.Headers.Add("To", $"<{SipUri.Create(aorUser, host)}>");
        request.Headers.Add("Call-ID", callId);
        request.Headers.Add("CSeq", $"{cseq} REGISTER");
        request.Headers.Add("Contact", $"<{peer.Uri(aorUser)}>");
        request.Headers.Add("Expires", "300");
        if (authorization is not null)
        {
            request.Headers.Add("Authorization", authorization);
        }

        return request;
    }

    /// <summary>Sends a REGISTER without credentials and gives the challenges of the 401.</summary>
    private static async Task<IReadOnlyList<DigestChallenge>> ChallengesAsync(RawPeer peer, SipUserAgent registrar, string aorUser, string callId)
    {
        await peer.SendAsync(Register(peer, registrar, aorUser, callId, 1), registrar.Stack.UdpEndPoint).DefaultTimeout();
        var response = await peer.ReceiveFinalAsync("REGISTER").DefaultTimeout();
        Assert.Equal(401, response.StatusCode);
        return response.Headers.GetAll("WWW-Authenticate").Select(h => DigestChallenge.TryParse(h, out var c, out _) ? c : throw new InvalidOperationException(h)).ToList();
    }

    private static async Task<SipResponse> AnswerAsync(RawPeer peer, SipUserAgent registrar, string aorUser, string callId, DigestCredentials credentials)
    {
        await peer.SendAsync(Register(peer, registrar, aorUser, callId, 2, credentials.ToString()), registrar.Stack.UdpEndPoint).DefaultTimeout();
        return await peer.ReceiveFinalAsync("REGISTER").DefaultTimeout();
    }

    [Fact]
    public async Task ARestoredBindingIsHeldLikeARegisteredOneAndALapsedOneIsNotTaken()
    {
        await using var registrar = Registrar();
        var source = new SipEndPoint(SipProtocol.Udp, new IPEndPoint(IPAddress.Loopback, 5099));
        var contact = SipUri.Parse("sip:xa-pa-co@127.0.0.1:5099");
        var live = new SipRegistration("sip:xa-pa-co@127.0.0.1", contact, source, DateTimeOffset.UtcNow.AddMinutes(5), "xa-pa-co");
        var lapsed = live with { Username = "old-room", ExpiresUtc = DateTimeOffset.UtcNow.AddSeconds(-1) };
        var changes = 0;
        registrar.RegistrationChanged += (_, _) => changes++;

        Assert.True(registrar.RestoreRegistration(live));
        Assert.False(registrar.RestoreRegistration(lapsed));
        Assert.Equal(source, Assert.Single(registrar.Registrations).Source);
        Assert.Equal(0, changes);

        // The room's next REGISTER replaces it (one binding per user), and an un-REGISTER drops it.
        await using var room = Room(aorUser: "xa-pa-co");
        Assert.Equal(200, (await room.RegisterAsync(RegistrarUri(registrar), registrar.Stack.UdpEndPoint, TimeSpan.FromMinutes(5)).DefaultTimeout()).StatusCode);
        Assert.Equal(room.Stack.UdpEndPoint.Address, Assert.Single(registrar.Registrations).Source.Address);
        Assert.True(registrar.RemoveRegistration("xa-pa-co"));
        Assert.Empty(registrar.Registrations);
    }

    [Fact]
    public async Task ARegisterForAnotherUsersAddressOfRecordIsForbidden()
    {
        await using var registrar = Registrar();
        await using var impostor = Room(aorUser: "xa-hy-cuong");
        var response = await impostor.RegisterAsync(RegistrarUri(registrar), registrar.Stack.UdpEndPoint, TimeSpan.FromMinutes(5)).DefaultTimeout();
        Assert.Equal(403, response.StatusCode);
        Assert.Empty(registrar.Registrations);
    }

    [Fact]
    public async Task OneDigestUserHoldsOneBindingWhateverAddressOfRecordItNames()
    {
        await using var registrar = Registrar();
        await using var room = Room(aorUser: "xa-pa-co");
        var atAddress = await room.RegisterAsync(RegistrarUri(registrar), registrar.Stack.UdpEndPoint, TimeSpan.FromMinutes(5)).DefaultTimeout();
        var atDomain = await room.RegisterAsync(SipUri.Parse("sip:hoinghi.phutho.gov.vn"), registrar.Stack.UdpEndPoint, TimeSpan.FromMinutes(5)).DefaultTimeout();
        Assert.Equal(200, atAddress.StatusCode);
        Assert.Equal(200, atDomain.StatusCode);
        var binding = Assert.Single(registrar.Registrations);
        Assert.Equal("sip:xa-pa-co@hoinghi.phutho.gov.vn", binding.AddressOfRecord);
    }

    [Fact]
    public async Task AnAnswerWithoutQopIsRefused()
    {
        await using var registrar = Registrar();
        using var peer = new RawPeer();
        var challenge = (await ChallengesAsync(peer, registrar, "xa-pa-co", "no-qop"))[0];
        var uri = RegistrarUri(registrar).ToString();

        // The RFC 2069 form: right password, but no nonce count and so nothing against replay.
        var ha1 = Digest.Ha1(challenge.Algorithm, "xa-pa-co", challenge.Realm, Password);
        var old = new DigestCredentials("xa-pa-co", challenge.Realm, challenge.Nonce, uri, Digest.Response(challenge.Algorithm, ha1, challenge.Nonce, null, null, null, "REGISTER", uri), challenge.Algorithm);
        Assert.Equal(401, (await AnswerAsync(peer, registrar, "xa-pa-co", "no-qop", old)).StatusCode);

        var proper = new DigestClient("xa-pa-co", Password).Answer(challenge, "REGISTER", uri);
        Assert.Equal(200, (await AnswerAsync(peer, registrar, "xa-pa-co", "no-qop", proper)).StatusCode);
    }

    [Fact]
    public async Task AnAnswerNamingAnotherRequestUriIsRefused()
    {
        await using var registrar = Registrar();
        using var peer = new RawPeer();
        var challenge = (await ChallengesAsync(peer, registrar, "xa-pa-co", "other-uri"))[0];

        // A digest computed for another target (captured elsewhere) must not open this one.
        var elsewhere = new DigestClient("xa-pa-co", Password).Answer(challenge, "REGISTER", "sip:relay.huyen-lam-thao.invalid");
        Assert.Equal(401, (await AnswerAsync(peer, registrar, "xa-pa-co", "other-uri", elsewhere)).StatusCode);
        Assert.Empty(registrar.Registrations);
    }

    [Fact]
    public async Task AnAnswerToAnOldNonceGetsAStaleChallenge()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var registrar = Registrar(new DigestServer("hoinghi.phutho", System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), clock));
        using var peer = new RawPeer();
        var challenge = (await ChallengesAsync(peer, registrar, "xa-pa-co", "stale"))[0];
        var client = new DigestClient("xa-pa-co", Password);
        var uri = RegistrarUri(registrar).ToString();
        Assert.Equal(200, (await AnswerAsync(peer, registrar, "xa-pa-co", "stale", client.Answer(challenge, "REGISTER", uri))).StatusCode);

        clock.Advance(DigestServer.DefaultNonceLifetime + TimeSpan.FromSeconds(1));
        var refused = await AnswerAsync(peer, registrar, "xa-pa-co", "stale", client.Answer(challenge, "REGISTER", uri));
        Assert.Equal(401, refused.StatusCode);
        Assert.True(DigestChallenge.TryParse(refused.Headers["WWW-Authenticate"], out var fresh, out _));
        Assert.True(fresh.Stale);
        Assert.NotEqual(challenge.Nonce, fresh.Nonce);
    }

    [Fact]
    public async Task Md5IsOfferedAndAcceptedOnlyForUsersAllowedIt()
    {
        await using var registrar = Registrar(allowsMd5: u => u == "old-room");
        using var peer = new RawPeer();
        var uri = RegistrarUri(registrar).ToString();

        var modern = await ChallengesAsync(peer, registrar, "xa-pa-co", "md5-modern");
        Assert.Equal(DigestAlgorithm.Sha256, Assert.Single(modern).Algorithm);
        var downgraded = new DigestClient("xa-pa-co", Password).Answer(modern[0] with { Algorithm = DigestAlgorithm.Md5 }, "REGISTER", uri);
        Assert.Equal(401, (await AnswerAsync(peer, registrar, "xa-pa-co", "md5-modern", downgraded)).StatusCode);

        var old = await ChallengesAsync(peer, registrar, "old-room", "md5-old");
        Assert.Equal([DigestAlgorithm.Sha256, DigestAlgorithm.Md5], old.Select(c => c.Algorithm));
        var md5 = new DigestClient("old-room", Password).Answer(old[1], "REGISTER", uri);
        Assert.Equal(200, (await AnswerAsync(peer, registrar, "old-room", "md5-old", md5)).StatusCode);
    }

    [Fact]
    public async Task RepeatedFailuresAreSlowedThenForbiddenEvenWithTheRightPassword()
    {
        var throttle = new AuthThrottle(new AuthThrottleOptions { FreeFailures = 1, FirstDelay = TimeSpan.FromMilliseconds(300), BlockUserAfter = 3 });
        await using var registrar = Registrar(throttle: throttle);
        await using var guesser = Room("xa-pa-co", password: "doan-sai-1");
        var statuses = new List<int>();
        var took = new List<TimeSpan>();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var started = Stopwatch.GetTimestamp();
            statuses.Add((await guesser.RegisterAsync(RegistrarUri(registrar), registrar.Stack.UdpEndPoint, TimeSpan.FromMinutes(5)).DefaultTimeout()).StatusCode);
            took.Add(Stopwatch.GetElapsedTime(started));
        }

        Assert.Equal([401, 401, 401], statuses);
        Assert.True(took[1] >= TimeSpan.FromMilliseconds(250), $"the second failure was answered after {took[1].TotalMilliseconds} ms");

        // The user name is now refused outright, whoever knows its password.
        await using var owner = Room("xa-pa-co");
        Assert.Equal(403, (await owner.RegisterAsync(RegistrarUri(registrar), registrar.Stack.UdpEndPoint, TimeSpan.FromMinutes(5)).DefaultTimeout()).StatusCode);
        Assert.Empty(registrar.Registrations);
    }

    [Fact]
    public async Task ManyFailuresFromOneAddressForbidThatAddressButNotOthers()
    {
        var throttle = new AuthThrottle(new AuthThrottleOptions { FreeFailures = 100, BlockSourceAfter = 5 });
        await using var registrar = Registrar(throttle: throttle);
        using var scanner = new RawPeer(IPAddress.Parse("127.0.0.2"));
        for (var i = 0; i < 5; i++)
        {
            var user = $"khong-co-{i}";
            var challenge = (await ChallengesAsync(scanner, registrar, user, $"scan-{i}"))[0];
            var guess = new DigestClient(user, "123456").Answer(challenge, "REGISTER", RegistrarUri(registrar).ToString());
            Assert.Equal(401, (await AnswerAsync(scanner, registrar, user, $"scan-{i}", guess)).StatusCode);
        }

        await scanner.SendAsync(Register(scanner, registrar, "xa-pa-co", "scan-next", 1), registrar.Stack.UdpEndPoint).DefaultTimeout();
        Assert.Equal(403, (await scanner.ReceiveFinalAsync("REGISTER").DefaultTimeout()).StatusCode);

        await using var room = Room("xa-pa-co");
        Assert.Equal(200, (await room.RegisterAsync(RegistrarUri(registrar), registrar.Stack.UdpEndPoint, TimeSpan.FromMinutes(5)).DefaultTimeout()).StatusCode);
    }
}
