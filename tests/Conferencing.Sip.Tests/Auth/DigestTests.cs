using System.Text;
using Conferencing.Sip.Auth;

namespace Conferencing.Sip.Tests.Auth;

public sealed class DigestTests
{
    private static readonly byte[] Key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    private sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void Rfc2617ExampleGivesItsPublishedResponse()
    {
        var ha1 = Digest.Ha1(DigestAlgorithm.Md5, "Mufasa", "testrealm@host.com", "Circle Of Life");
        var response = Digest.Response(DigestAlgorithm.Md5, ha1, "dcd98b7102dd2f0e8b11d0f600bfb0c093", "auth", "00000001", "0a4f113b", "GET", "/dir/index.html");
        Assert.Equal("6629fae49393a05397450978507c4ef1", response);
    }

    [Theory]
    [InlineData(DigestAlgorithm.Md5, "8ca523f5e9506fed4657c9700eebdbec")]
    [InlineData(DigestAlgorithm.Sha256, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1")]
    public void Rfc7616ExampleGivesItsPublishedResponses(DigestAlgorithm algorithm, string expected)
    {
        var ha1 = Digest.Ha1(algorithm, "Mufasa", "http-auth@example.org", "Circle of Life");
        var response = Digest.Response(algorithm, ha1, "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "auth", "00000001",
            "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "GET", "/dir/index.html");
        Assert.Equal(expected, response);
    }

    [Fact]
    public void Sha512Slash256MatchesTheFipsExample() =>
        Assert.Equal("53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23", DigestAlgorithm.Sha512_256.Hash("abc"));

    [Fact]
    public void Sha512Slash256HandlesMultiBlockInput() =>
        Assert.Equal(
            "3928e184fb8690f840da3988121d31be65cb9d3ef83ee6146feac861e19b563a",
            DigestAlgorithm.Sha512_256.Hash("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"));

    [Theory]
    [InlineData("Digest realm=\"atlanta.com\", nonce=\"84a4cc6f\", qop=\"auth,auth-int\", algorithm=SHA-256, opaque=\"x\"", DigestAlgorithm.Sha256, 2)]
    [InlineData("digest realm=\"a\", nonce=\"b\"", DigestAlgorithm.Md5, 0)]
    [InlineData("Digest  realm = \"es\\\"caped\" ,nonce=\"n\",algorithm=md5-SESS,stale=TRUE", DigestAlgorithm.Md5Sess, 0)]
    public void ChallengesParseWhateverTheSpacingAndCase(string header, DigestAlgorithm algorithm, int qops)
    {
        Assert.True(DigestChallenge.TryParse(header, out var challenge, out var error), error);
        Assert.Equal(algorithm, challenge.Algorithm);
        Assert.Equal(qops, challenge.Qop.Count);
        Assert.True(DigestChallenge.TryParse(challenge.ToString(), out var again, out _));
        Assert.Equal(challenge.Realm, again.Realm);
        Assert.Equal(challenge.Stale, again.Stale);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Basic realm=\"x\"")]
    [InlineData("Digest realm=\"x\"")]
    [InlineData("Digest realm=\"x, nonce=\"y\"")]
    [InlineData("Digest realm=x nonce=y")]
    [InlineData("Digest realm=\"x\", nonce=\"y\", algorithm=SHA-1")]
    [InlineData("Digest realm=")]
    public void MalformedChallengesAreRefusedWithAReason(string header)
    {
        Assert.False(DigestChallenge.TryParse(header, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Theory]
    [InlineData(DigestAlgorithm.Md5)]
    [InlineData(DigestAlgorithm.Sha256)]
    [InlineData(DigestAlgorithm.Sha256Sess)]
    [InlineData(DigestAlgorithm.Sha512_256)]
    public void AClientAnswerIsAcceptedOnceAndItsReplayIsRejected(DigestAlgorithm algorithm)
    {
        var time = new ManualTime(DateTimeOffset.UnixEpoch.AddYears(56));
        var server = new DigestServer("hoinghi.phutho.gov.vn", Key, time, algorithm: algorithm);
        var client = new DigestClient("xa-hy-cuong", "mat-khau");
        var challenge = server.CreateChallenge();
        var answer = client.Answer(challenge, "REGISTER", "sip:hoinghi.phutho.gov.vn");
        Assert.True(DigestCredentials.TryParse(answer.ToString(), out var parsed, out var error), error);
        Assert.Equal(DigestVerdict.Accepted, server.Verify(parsed, "REGISTER", "sip:hoinghi.phutho.gov.vn", u => u == "xa-hy-cuong" ? "mat-khau" : null));
        Assert.Equal(DigestVerdict.Rejected, server.Verify(parsed, "REGISTER", "sip:hoinghi.phutho.gov.vn", u => "mat-khau"));
        var next = client.Answer(challenge, "REGISTER", "sip:hoinghi.phutho.gov.vn");
        Assert.Equal("00000002", next.NonceCount);
        Assert.Equal(DigestVerdict.Accepted, server.Verify(next, "REGISTER", "sip:hoinghi.phutho.gov.vn", u => "mat-khau"));
    }

    [Fact]
    public void WrongPasswordUnknownUserForeignRealmAndForgedNonceAreRejected()
    {
        var time = new ManualTime(DateTimeOffset.UnixEpoch.AddYears(56));
        var server = new DigestServer("r", Key, time);
        var challenge = server.CreateChallenge();
        var answer = new DigestClient("u", "p").Answer(challenge, "INVITE", "sip:1000@r");
        Assert.Equal(DigestVerdict.Rejected, server.Verify(answer, "INVITE", "sip:1000@r", _ => "other"));
        Assert.Equal(DigestVerdict.Rejected, server.Verify(answer, "INVITE", "sip:1000@r", _ => null));
        Assert.Equal(DigestVerdict.Rejected, server.Verify(answer with { Realm = "x" }, "INVITE", "sip:1000@r", _ => "p"));
        var forged = new DigestClient("u", "p").Answer(challenge with { Nonce = challenge.Nonce[..^1] + (challenge.Nonce[^1] == 'A' ? "B" : "A") }, "INVITE", "sip:1000@r");
        Assert.Equal(DigestVerdict.Rejected, server.Verify(forged, "INVITE", "sip:1000@r", _ => "p"));
        var otherKey = new DigestServer("r", Key.Reverse().ToArray(), time);
        Assert.Equal(DigestVerdict.Rejected, otherKey.Verify(answer, "INVITE", "sip:1000@r", _ => "p"));
        Assert.Equal(DigestVerdict.Rejected, server.Verify(answer, "BYE", "sip:1000@r", _ => "p"));
    }

    [Fact]
    public void ChallengesInTheSameMillisecondGetDifferentNonces()
    {
        var server = new DigestServer("r", Key, new ManualTime(DateTimeOffset.UnixEpoch.AddYears(56)));
        var nonces = Enumerable.Range(0, 200).Select(_ => server.CreateChallenge().Nonce).ToHashSet();
        Assert.Equal(200, nonces.Count);
    }

    [Fact]
    public void AnExpiredNonceWithTheRightPasswordIsStale()
    {
        var time = new ManualTime(DateTimeOffset.UnixEpoch.AddYears(56));
        var server = new DigestServer("r", Key, time);
        var answer = new DigestClient("u", "p").Answer(server.CreateChallenge(), "REGISTER", "sip:r");
        time.Now += DigestServer.DefaultNonceLifetime + TimeSpan.FromSeconds(1);
        Assert.Equal(DigestVerdict.Stale, server.Verify(answer, "REGISTER", "sip:r", _ => "p"));
        Assert.True(server.CreateChallenge(stale: true).ToString().Contains("stale=TRUE", StringComparison.Ordinal));
    }

    [Fact]
    public void AuthIntCoversTheBody()
    {
        var time = new ManualTime(DateTimeOffset.UnixEpoch.AddYears(56));
        var server = new DigestServer("r", Key, time);
        var challenge = server.CreateChallenge() with { Qop = ["auth-int"] };
        var body = Encoding.ASCII.GetBytes("v=0\r\n");
        var answer = new DigestClient("u", "p").Answer(challenge, "INVITE", "sip:r", body);
        Assert.Equal("auth-int", answer.Qop);
        Assert.Equal(DigestVerdict.Rejected, server.Verify(answer, "INVITE", "sip:r", _ => "p", Encoding.ASCII.GetBytes("v=1\r\n")));
        Assert.Equal(DigestVerdict.Accepted, server.Verify(answer, "INVITE", "sip:r", _ => "p", body));
    }

    [Fact]
    public void TheNonceCountTableIsBoundedAndAForgottenNonceIsNeverAcceptedAgain()
    {
        var time = new ManualTime(DateTimeOffset.UnixEpoch.AddYears(56));
        var server = new DigestServer("r", Key, time, maxTrackedNonces: 3);
        var client = new DigestClient("u", "p");
        var challenges = new List<DigestChallenge>();
        for (var i = 0; i < 10; i++)
        {
            time.Now += TimeSpan.FromMilliseconds(10);
            challenges.Add(server.CreateChallenge());
            Assert.Equal(DigestVerdict.Accepted, server.Verify(client.Answer(challenges[^1], "REGISTER", "sip:r"), "REGISTER", "sip:r", _ => "p"));
            Assert.InRange(server.TrackedNonces, 1, 3);
        }

        // The first nonce's count was forgotten: a replay of any answer to it is not accepted.
        Assert.NotEqual(DigestVerdict.Accepted, server.Verify(client.Answer(challenges[0], "REGISTER", "sip:r"), "REGISTER", "sip:r", _ => "p"));
        Assert.Equal(DigestVerdict.Accepted, server.Verify(client.Answer(challenges[^1], "REGISTER", "sip:r"), "REGISTER", "sip:r", _ => "p"));
    }

    [Fact]
    public void AnswersWithoutQopOrForAnotherUriOrANonceFromTheFutureAreRejected()
    {
        var time = new ManualTime(DateTimeOffset.UnixEpoch.AddYears(56));
        var server = new DigestServer("r", Key, time);
        var challenge = server.CreateChallenge();
        var client = new DigestClient("u", "p");
        Assert.Equal(DigestVerdict.Rejected, server.Verify(client.Answer(challenge with { Qop = [] }, "REGISTER", "sip:r"), "REGISTER", "sip:r", _ => "p"));
        Assert.Equal(DigestVerdict.Rejected, server.Verify(client.Answer(challenge, "REGISTER", "sip:other"), "REGISTER", "sip:r", _ => "p"));
        Assert.Equal(DigestVerdict.Accepted, server.Verify(client.Answer(challenge, "REGISTER", "sip:R:5060"), "REGISTER", "sip:r:5060", _ => "p"));

        var ahead = new DigestServer("r", Key, new ManualTime(time.Now + TimeSpan.FromMinutes(1))).CreateChallenge();
        Assert.Equal(DigestVerdict.Rejected, server.Verify(client.Answer(ahead, "REGISTER", "sip:r"), "REGISTER", "sip:r", _ => "p"));
    }

    [Fact]
    public void TheThrottleRemembersABoundedNumberOfNamesAndAddresses()
    {
        var throttle = new AuthThrottle(new AuthThrottleOptions { MaxEntries = 100, FreeFailures = 0, BlockUserAfter = 2, BlockSourceAfter = 1_000_000 });
        for (var i = 0; i < 5000; i++)
        {
            throttle.Failed(new System.Net.IPAddress(0x0100007F + (i << 8)), $"user-{i}");
        }

        Assert.Equal((100, 100), throttle.Tracked);
        throttle.Failed(System.Net.IPAddress.Loopback, "user-4999");
        Assert.True(throttle.IsBlocked(System.Net.IPAddress.IPv6Loopback, "user-4999"));
        Assert.False(throttle.IsBlocked(System.Net.IPAddress.IPv6Loopback, "user-0"));
    }
}
