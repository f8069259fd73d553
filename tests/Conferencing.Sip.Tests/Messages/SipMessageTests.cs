using System.Text;

namespace Conferencing.Sip.Tests.Messages;

public sealed class SipMessageTests
{
    internal const string Invite =
        "INVITE sip:xa-hy-cuong@10.0.0.5:5060;transport=udp SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds;rport\r\n" +
        "Via: SIP/2.0/TCP [2001:db8::9]:5070;branch=z9hG4bKnashds8;received=192.0.2.3\r\n" +
        "Max-Forwards: 70\r\n" +
        "To: \"Xã Hy Cương\" <sip:xa-hy-cuong@10.0.0.5>\r\n" +
        "From: \"Tỉnh \\\"Phú Thọ\\\"\" <sip:province@10.0.0.1>;tag=1928301774\r\n" +
        "Call-ID: a84b4c76e66710@10.0.0.1\r\n" +
        "CSeq: 314159 INVITE\r\n" +
        "Contact: <sip:province@10.0.0.1:5060>\r\n" +
        "Subject: long\r\n  folded\r\n\tsubject\r\n" +
        "Content-Type: application/sdp\r\n" +
        "Content-Length: 10\r\n" +
        "\r\n" +
        "v=0\r\ns=-\r\n";

    [Fact]
    public void AnInviteParsesIntoItsParts()
    {
        var request = Assert.IsType<SipRequest>(SipMessage.Parse(Encoding.UTF8.GetBytes(Invite)));
        Assert.Equal("INVITE", request.Method);
        Assert.Equal("xa-hy-cuong", request.RequestUri.User);
        Assert.Equal(5060, request.RequestUri.Port);
        Assert.Equal("udp", request.RequestUri.Parameters["transport"]);
        Assert.Equal(2, request.Vias.Count);
        Assert.Equal("z9hG4bK776asdhds", request.TopVia!.Branch);
        Assert.True(request.TopVia.Parameters.Contains("rport"));
        Assert.Null(request.TopVia.Parameters["rport"]);
        Assert.Equal("[2001:db8::9]", request.Vias[1].Host);
        Assert.Equal(5070, request.Vias[1].Port);
        Assert.Equal("192.0.2.3", request.Vias[1].Parameters["received"]);
        Assert.Equal("Tỉnh \"Phú Thọ\"", request.From!.DisplayName);
        Assert.Equal("1928301774", request.From.Tag);
        Assert.Equal("Xã Hy Cương", request.To!.DisplayName);
        Assert.Null(request.To.Tag);
        Assert.Equal(new CSeqHeader(314159, "INVITE"), request.CSeq);
        Assert.Equal(70, request.MaxForwards);
        Assert.Equal("long folded subject", request.Headers["Subject"]);
        Assert.Equal("v=0\r\ns=-\r\n", Encoding.ASCII.GetString(request.Body.Span));
        Assert.Null(request.Validate());
    }

    [Fact]
    public void ARoundTripKeepsTheMeaning()
    {
        var first = SipMessage.Parse(Encoding.UTF8.GetBytes(Invite));
        var again = SipMessage.Parse(first.ToBytes());
        Assert.Equal(first.StartLine, again.StartLine);
        Assert.Equal(first.Headers.Select(h => (h.Name, h.Value)), again.Headers.Select(h => (h.Name, h.Value)));
        Assert.Equal(first.Body.ToArray(), again.Body.ToArray());
        Assert.Equal(first.ToBytes(), again.ToBytes());
    }

    [Fact]
    public void CompactHeaderNamesAreExpanded()
    {
        var text = "OPTIONS sip:a@b SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1\r\nf: <sip:x@y>;tag=1\r\nt: sip:a@b\r\ni: 1@h\r\nCSeq: 1 OPTIONS\r\nl: 0\r\nm: <sip:x@h>\r\nk: timer\r\n\r\n";
        var message = SipMessage.Parse(Encoding.ASCII.GetBytes(text));
        Assert.Equal("1@h", message.CallId);
        Assert.Equal("1", message.From!.Tag);
        Assert.Equal("a", message.To!.Uri.User);
        Assert.Equal("z9hG4bK1", message.TopVia!.Branch);
        Assert.Single(message.Contacts);
        Assert.Equal("timer", message.Headers["Supported"]);
        Assert.Null(message.Validate());
    }

    [Fact]
    public void MultiValuedHeadersSplitOnlyAtTopLevelCommas()
    {
        var text = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h1;branch=z9hG4bK1, SIP/2.0/UDP h2;branch=z9hG4bK2\r\nVia: SIP/2.0/UDP h3;branch=z9hG4bK3\r\n" +
            "Contact: \"A, B\" <sip:a@h;x=1,2>, <sip:b@h>\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n";
        var message = SipMessage.Parse(Encoding.ASCII.GetBytes(text));
        Assert.Equal(["h1", "h2", "h3"], message.Vias.Select(v => v.Host));
        Assert.Equal(["A, B", null], message.Contacts.Select(c => c.DisplayName));
        message.Headers.RemoveFirstValue("Via");
        Assert.Equal(["h2", "h3"], message.Vias.Select(v => v.Host));
    }

    [Fact]
    public void ResponsesParseAndAreBuiltFromRequests()
    {
        var request = (SipRequest)SipMessage.Parse(Encoding.UTF8.GetBytes(Invite));
        var response = SipResponse.CreateFor(request, 180).WithToTag("abc");
        var parsed = Assert.IsType<SipResponse>(SipMessage.Parse(response.ToBytes()));
        Assert.Equal(180, parsed.StatusCode);
        Assert.Equal("Ringing", parsed.ReasonPhrase);
        Assert.Equal(2, parsed.Vias.Count);
        Assert.Equal("abc", parsed.To!.Tag);
        Assert.Equal(request.CallId, parsed.CallId);
        Assert.Equal(request.CSeq, parsed.CSeq);
        Assert.Equal(0, parsed.Body.Length);
        Assert.Null(parsed.Validate());
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "", "Empty" },
        { "\r\n\r\n", "Empty" },
        { "INVITE sip:a@b SIP/2.0\r\nVia: x\r\n", "empty line" },
        { "INVITE  sip:a@b SIP/2.0\r\n\r\n", "single spaces" },
        { "INVITE sip:a@b\r\n\r\n", "single spaces" },
        { "INVITE sip:a b@c SIP/2.0\r\n\r\n", "single spaces" },
        { "INV<ITE sip:a@b SIP/2.0\r\n\r\n", "token" },
        { "INVITE sip:a@b HTTP/1.1\r\n\r\n", "SIP version" },
        { "INVITE 9http://a SIP/2.0\r\n\r\n", "not a URI scheme" },
        { "INVITE http: SIP/2.0\r\n\r\n", "not followed by URI characters" },
        { "INVITE sip:a@b@c SIP/2.0\r\n\r\n", "'@'" },
        { "INVITE sip:a@[::1 SIP/2.0\r\n\r\n", "IPv6" },
        { "INVITE sip:a@b:99999 SIP/2.0\r\n\r\n", "port" },
        { "SIP/2.0 2000 OK\r\n\r\n", "three digits" },
        { "SIP/2.0 99 OK\r\n\r\n", "three digits" },
        { "SIP/2.0 700 Nope\r\n\r\n", "100-699" },
        { "OPTIONS sip:a@b SIP/2.0\r\nno colon here\r\n\r\n", "colon" },
        { "OPTIONS sip:a@b SIP/2.0\r\n folded first\r\n\r\n", "Continuation" },
        { "OPTIONS sip:a@b SIP/2.0\r\nBad Name: x\r\n\r\n", "token" },
        { "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 10\r\n\r\nshort", "larger" },
        { "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: -1\r\n\r\n", "non-negative" },
        { "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 1\r\nl: 2\r\n\r\nab", "Conflicting" },
        { "OPTIONS sip:a@b SIP/2.0\r\nTo: \"a\rb\" <sip:a@b>\r\n\r\n", "Carriage return inside a header line" },
        { "OPTIONS sip:a@b SIP/2.0\r\nTo: \"a\\\rb\" <sip:a@b>\r\n\r\n", "Carriage return inside a header line" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedMessagesAreRefusedWithAReason(string text, string reason)
    {
        Assert.False(SipMessage.TryParse(Encoding.UTF8.GetBytes(text), out _, out var error));
        Assert.Contains(reason, error, StringComparison.OrdinalIgnoreCase);
        var e = Assert.Throws<SipParseException>(() => SipMessage.Parse(Encoding.UTF8.GetBytes(text)));
        Assert.Equal(error, e.Message);
    }

    public static TheoryData<string, string> SemanticallyBad => new()
    {
        { "OPTIONS sip:a@b SIP/2.0\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n", "Missing Via" },
        { "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n", "From" },
        { "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n", "does not match" },
        { "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: -1 OPTIONS\r\n\r\n", "CSeq" },
        { "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 300\r\n\r\n", "Max-Forwards" },
        { "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nExpires: soon\r\n\r\n", "Expires" },
        { "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: B@d <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n", "From" },
    };

    [Theory]
    [MemberData(nameof(SemanticallyBad))]
    public void MessagesMissingWhatAUasNeedsParseButFailValidation(string text, string reason)
    {
        var message = SipMessage.Parse(Encoding.UTF8.GetBytes(text));
        Assert.Contains(reason, message.Validate(), StringComparison.Ordinal);
    }

    [Fact]
    public void EveryTruncatedPrefixEitherParsesOrIsRefusedNeverThrowingAnythingElse()
    {
        var bytes = Encoding.UTF8.GetBytes(Invite);
        var headerEnd = Invite.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        for (var i = 0; i <= bytes.Length; i++)
        {
            var ok = SipMessage.TryParse(bytes.AsSpan(0, i), out var message, out var error);
            if (i < Encoding.UTF8.GetByteCount(Invite[..(headerEnd + 4)]))
            {
                Assert.False(ok, $"prefix {i} parsed: {Encoding.UTF8.GetString(bytes.AsSpan(0, i)).Replace("\r", "\\r").Replace("\n", "\\n")}");
                Assert.NotNull(error);
            }
            else
            {
                // Past the headers only the body is cut, and Content-Length says so.
                Assert.Equal(i == bytes.Length, ok);
                Assert.True(ok || error!.Contains("Content-Length", StringComparison.Ordinal));
                Assert.True(!ok || message!.Body.Length == 10);
            }
        }
    }

    [Fact]
    public void OneHundredThousandMutationsOnlyEverParseOrFailCleanly()
    {
        // Seeds: our own messages and every RFC 4475 message, so mutations start from the hard cases.
        var seeds = new List<byte[]>
        {
            Encoding.UTF8.GetBytes(Invite),
            Encoding.ASCII.GetBytes("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1;received=1.2.3.4\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:a@b>;tag=2\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nContact: <sip:a@[::1]:5060;transport=tcp>\r\nl: 0\r\n\r\n"),
        };
        seeds.AddRange(Rfc4475.Rfc4475Messages.All.Select(m => m.Bytes));
        var random = new Random(4475);
        var parsed = 0;
        var answerable = 0;
        for (var n = 0; n < 100_000; n++)
        {
            var data = new List<byte>(seeds[n % seeds.Count]);
            var edits = 1 + random.Next(4);
            for (var e = 0; e < edits && data.Count > 0; e++)
            {
                var at = random.Next(data.Count);
                switch (random.Next(6))
                {
                    case 0: data[at] = (byte)random.Next(256); break;
                    case 1: data.Insert(at, (byte)"\r\n:;<>\",@ \t%[]="[random.Next(15)]); break;
                    case 2: data.RemoveAt(at); break;
                    case 3: data.RemoveRange(at, data.Count - at); break;
                    case 4: data.InsertRange(at, data.GetRange(at, Math.Min(40, data.Count - at))); break;
                    default: data[at] = (byte)(data[at] ^ (1 << random.Next(8))); break;
                }
            }

            var bytes = data.ToArray();
            if (!SipMessage.TryParse(bytes, out var message, out _))
            {
                // What the stack does with a message that does not parse: maybe a 400 from what can be read.
                if (SipMessage.ParseForReply(bytes) is { } partial)
                {
                    answerable++;
                    _ = partial.TopVia;
                    _ = partial.CSeq;
                    _ = SipResponse.CreateFor(partial, 400).WithToTag("t").ToBytes();
                }

                continue;
            }

            parsed++;
            _ = message.Validate();
            _ = message.Vias;
            _ = message.Contacts;
            _ = message.RecordRoutes;
            _ = message.From?.Uri.UnescapedUser;
            _ = message.To?.Uri.Parameters.GetUnescaped("user");
            _ = message.CSeq;
            _ = message.ContentType;
            if (message is SipRequest request)
            {
                _ = request.RequestUri.UnescapedUser;
                _ = request.MaxForwards;
            }

            // What parsed must serialize into something that parses to the same headers.
            var again = SipMessage.Parse(message.ToBytes());
            Assert.Equal(message.StartLine, again.StartLine);
            Assert.Equal(message.Headers.Count(h => !IsLength(h)), again.Headers.Count(h => !IsLength(h)));
            Assert.Equal(message.Body.Length, again.Body.Length);
        }

        Assert.InRange(parsed, 1_000, 99_000);
        Assert.True(answerable > 100, $"only {answerable} broken requests were answerable");

        static bool IsLength(SipHeader header) => SipHeaders.Canonical(header.Name).Equals("Content-Length", StringComparison.OrdinalIgnoreCase);
    }
}
