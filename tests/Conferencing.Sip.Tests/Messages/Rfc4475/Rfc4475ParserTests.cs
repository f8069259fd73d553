using System.Text;

namespace Conferencing.Sip.Tests.Messages.Rfc4475;

/// <summary>
/// RFC 4475 through the parser: every valid message parses, passes validation and keeps its meaning
/// through a round trip; every invalid one is refused where the RFC says, by the parser or by
/// <see cref="SipMessage.Validate"/> (whose reason is the 400 a UAS sends).
/// </summary>
public sealed class Rfc4475ParserTests
{
    public static TheoryData<string> ValidNames => [.. Rfc4475Messages.Valid.Select(m => m.Name)];

    [Theory]
    [MemberData(nameof(ValidNames))]
    public void EveryValidMessageParsesValidatesAndKeepsItsMeaningThroughARoundTrip(string name)
    {
        var torture = Named(name);
        Assert.True(SipMessage.TryParse(torture.Bytes, out var first, out var error), error);
        Assert.Null(first.Validate());
        AssertMeaning(name, first);

        var again = SipMessage.Parse(first.ToBytes());
        Assert.Equal(first.StartLine, again.StartLine);
        Assert.Equal(WithoutLength(first), WithoutLength(again));
        Assert.Equal(first.Body.ToArray(), again.Body.ToArray());
        Assert.Equal(first.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), again.Headers["Content-Length"]);
        Assert.Null(again.Validate());
        AssertMeaning(name, again);
    }

    [Theory]
    [MemberData(nameof(ValidNames))]
    public void EveryTruncatedPrefixOfAValidMessageIsRefusedOrParsesNeverThrowingAnythingElse(string name)
    {
        var bytes = Named(name).Bytes;
        var headerEnd = bytes.AsSpan().IndexOf("\r\n\r\n"u8) + 4;
        for (var length = 0; length < bytes.Length; length++)
        {
            var ok = SipMessage.TryParse(bytes.AsSpan(0, length), out var message, out var error);
            if (length < headerEnd)
            {
                Assert.False(ok, $"{name}: a prefix of {length} bytes, cut inside the headers, parsed");
                Assert.False(string.IsNullOrEmpty(error));
                Assert.Throws<SipParseException>(() => SipMessage.Parse(bytes.AsSpan(0, length)));
            }
            else if (ok)
            {
                // Cut inside the body: only a message without Content-Length (the body is the rest of
                // the datagram) or one whose declared body is already complete may parse.
                Assert.True(!message!.Headers.Contains("Content-Length") || message.Body.Length == int.Parse(message.Headers["Content-Length"]!, System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                Assert.Contains("Content-Length", error, StringComparison.Ordinal);
            }
        }
    }

    public static TheoryData<string, string> RefusedByTheParser => new()
    {
        // 3.1.2.2: the body is shorter than Content-Length; on UDP a 400 (see the stack tests).
        { "clerr", "Content-Length 9999 is larger" },
        // 3.1.2.3, and the RFC's note that "Content-Length: five" is the same error.
        { "ncl", "Content-Length '-999' is not a non-negative number" },
        { "ltgtruri", "Request-URI '<sip:user@example.com>'" },
        { "lwsruri", "single spaces" },
        { "lwsstart", "single spaces" },
        { "trws", "single spaces" },
        { "bigcode", "Status code '429' is not three digits" },
        { "mcl01", "Conflicting Content-Length headers" },
    };

    [Theory]
    [MemberData(nameof(RefusedByTheParser))]
    public void MessagesWithABrokenStartLineOrFramingAreRefusedByTheParserWithTheReason(string name, string reason)
    {
        var bytes = Named(name).Bytes;
        Assert.False(SipMessage.TryParse(bytes, out var message, out var error));
        Assert.Null(message);
        Assert.Contains(reason, error, StringComparison.Ordinal);
        var thrown = Assert.Throws<SipParseException>(() => SipMessage.Parse(bytes));
        Assert.Equal(error, thrown.Message);
    }

    public static TheoryData<string, string> RefusedByValidation => new()
    {
        // 3.1.2.1: extra ';' and ',' in Via and Contact.
        { "badinv01", "Bad Via: empty parameter name" },
        // 3.1.2.4: the CSeq number is beyond 2^31 (also Max-Forwards and Expires are too large).
        { "scalar02", "Bad or missing CSeq" },
        // 3.1.2.5: a response, which an element simply discards.
        { "scalarlg", "Bad or missing CSeq" },
        { "quotbal", "Bad or missing To" },
        { "escruri", "The Request-URI must not carry headers" },
        { "baddate", "Bad Date 'Fri, 01 Jan 2010 16:00:00 EST'" },
        { "regbadct", "Bad Contact: a URI with headers or commas must be in angle brackets" },
        { "badaspec", "Bad or missing To: URI contains whitespace" },
        { "baddn", "Bad or missing From: a display name with special characters must be quoted" },
        { "mismatch01", "CSeq method INVITE does not match the request method OPTIONS" },
        { "mismatch02", "CSeq method INVITE does not match the request method NEWMETHOD" },
        // 3.3.1 and 3.3.8: required headers missing, single-value headers repeated.
        { "insuf", "Bad or missing From" },
        { "multi01", "Duplicate Call-ID, From, To or CSeq" },
    };

    [Theory]
    [MemberData(nameof(RefusedByValidation))]
    public void MessagesTheRfcCallsInvalidButParseableFailValidationWithTheReason(string name, string reason)
    {
        var message = SipMessage.Parse(Named(name).Bytes);
        Assert.Contains(reason, message.Validate(), StringComparison.Ordinal);
    }

    public static TheoryData<string> ParseableWithSemanticsForTheStack => [.. new[] { "badvers", "badbranch", "unkscm", "novelsc", "unksm2", "bext01", "invut", "regaut01", "bcast", "zeromf", "cparam01", "cparam02", "regescrt", "sdp01", "inv2543" }];

    [Theory]
    [MemberData(nameof(ParseableWithSemanticsForTheStack))]
    public void MessagesWhoseTroubleIsForTheTransactionOrApplicationLayerParseAndValidate(string name)
    {
        var message = SipMessage.Parse(Named(name).Bytes);
        Assert.Null(message.Validate());
        AssertMeaning(name, message);
        AssertMeaning(name, SipMessage.Parse(message.ToBytes()));
    }

    [Fact]
    public void EveryMessageOfTheRfcIsTypedInOnceUnderItsOwnName()
    {
        Assert.Equal(49, Rfc4475Messages.All.Count);
        Assert.Equal(Rfc4475Messages.All.Count, Rfc4475Messages.All.Select(m => m.Name).Distinct().Count());
        Assert.Equal(Rfc4475Messages.All.Count, Rfc4475Messages.All.Select(m => m.Section).Distinct().Count());
        Assert.All(Rfc4475Messages.All, m => Assert.NotEmpty(m.Bytes));
    }

    /// <summary>The parts of each message the RFC's commentary says matter.</summary>
    private static void AssertMeaning(string name, SipMessage message)
    {
        switch (name)
        {
            case "wsinv":
            {
                var request = Assert.IsType<SipRequest>(message);
                Assert.Equal("INVITE", request.Method);
                Assert.Equal("vivekg", request.RequestUri.User);
                Assert.Equal("chair-dnrc.example.com", request.RequestUri.Host);
                Assert.True(request.RequestUri.Parameters.Contains("unknownparam"));
                Assert.Equal("sip:vivekg@chair-dnrc.example.com", request.To!.Uri.ToString());
                Assert.Equal("1918181833n", request.To.Tag);
                Assert.Equal("J Rosenberg \\\"", request.From!.DisplayName);
                Assert.Equal("sip:jdrosen@example.com", request.From.Uri.ToString());
                Assert.Equal("98asjd8", request.From.Tag);
                Assert.Equal(68, request.MaxForwards);
                Assert.Equal("wsinv.ndaksdj@192.0.2.1", request.CallId);
                Assert.Equal(new CSeqHeader(9, "INVITE"), request.CSeq);
                Assert.Equal([("UDP", "192.0.2.2", "390skdjuw"), ("TCP", "spindle.example.com", "z9hG4bK9ikj8"), ("UDP", "192.168.255.111", "z9hG4bK30239")],
                    request.Vias.Select(v => (v.Transport, v.Host, v.Branch)));
                Assert.Equal("", request.Headers["Subject"]);
                Assert.Equal("newfangled value continued newfangled value", request.Headers["NewFangledHeader"]);
                Assert.Equal(";;,,;;,;", request.Headers["UnknownHeaderWithUnusualValue"]);
                var route = NameAddress.Parse(Assert.Single(request.Headers.GetAll("Route")));
                Assert.Null(route.Uri.Parameters["lr"]);
                Assert.True(route.Uri.Parameters.Contains("lr"));
                Assert.Equal("value", route.Uri.Parameters["unknownwith"]);
                Assert.True(route.Uri.Parameters.Contains("unknown-no-value"));
                var contact = Assert.Single(request.Contacts);
                Assert.Equal("Quoted string \"\"", contact.DisplayName);
                Assert.Equal("newvalue", contact.Parameters["newparam"]);
                Assert.True(contact.Parameters.Contains("secondparam"));
                Assert.Equal("0.33", contact.Parameters["q"]);
                Assert.Equal("application/sdp", request.ContentType);
                Assert.Equal(150, request.Body.Length);
                break;
            }

            case "intmeth":
            {
                var request = Assert.IsType<SipRequest>(message);
                Assert.Equal("!interesting-Method0123456789_*+`.%indeed'~", request.Method);
                Assert.Equal("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*", request.RequestUri.User);
                Assert.Equal("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)", request.RequestUri.Password);
                Assert.Equal("example.com", request.RequestUri.Host);
                Assert.Equal("z9hG4bK-.!%66*_+`'~", request.TopVia!.Branch);
                Assert.Equal("BEL:\u0007 NUL:\0 DEL:\u007F", request.To!.DisplayName);
                Assert.Equal("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*", request.To.Uri.User);
                Assert.Equal("token1~` token2'+_ token3*%!.-", request.From!.DisplayName);
                Assert.Equal("\"работающий\"", request.From.Parameters["fromParam''~+*_!.-%"]);
                Assert.Equal("_token~1'+`*%!-.", request.From.Tag);
                Assert.Equal("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{", request.CallId);
                Assert.Equal(new CSeqHeader(139122385, "!interesting-Method0123456789_*+`.%indeed'~"), request.CSeq);
                Assert.Equal(255, request.MaxForwards);
                Assert.Equal("\uFEFF大停電", request.Headers["extensionHeader-!.%*+_`'~"]);
                break;
            }

            case "esc01":
            {
                var request = Assert.IsType<SipRequest>(message);
                Assert.Equal("sips%3Auser%40example.com", request.RequestUri.User);
                Assert.Equal("sips:user@example.com", request.RequestUri.UnescapedUser);
                Assert.Equal("example.net", request.RequestUri.Host);
                Assert.Equal("%75se%72", request.To!.Uri.User);
                Assert.True(request.To.Uri.EquivalentTo(SipUri.Parse("sip:user@example.com")));
                Assert.Equal("I have spaces", request.From!.Uri.UnescapedUser);
                Assert.Equal("esc01.239409asdfakjkn23onasd0-3234", request.CallId);
                Assert.Equal("application/sdp", request.ContentType);
                var contact = Assert.Single(request.Contacts).Uri;
                Assert.Equal("caller", contact.UnescapedUser);
                Assert.True(contact.Parameters.Contains("lr"));
                Assert.Equal("v%61lue%25%34%31", contact.Parameters["name"]);
                // Unescaped once: "value%41", which is not "valueA".
                Assert.Equal("value%41", contact.Parameters.GetUnescaped("name"));
                Assert.Contains(";%6C%72;n%61me=v%61lue%25%34%31", contact.ToString(), StringComparison.Ordinal);
                break;
            }

            case "escnull":
            {
                var request = Assert.IsType<SipRequest>(message);
                Assert.Equal("REGISTER", request.Method);
                Assert.Equal("null-\0-null", request.To!.Uri.UnescapedUser);
                Assert.Equal("null-\0-null", request.From!.Uri.UnescapedUser);
                Assert.Equal(["\0", "\0\0"], request.Contacts.Select(c => c.Uri.UnescapedUser));
                Assert.False(request.Contacts[0].Uri.EquivalentTo(request.Contacts[1].Uri));
                break;
            }

            case "esc02":
            {
                var request = Assert.IsType<SipRequest>(message);
                Assert.Equal("RE%47IST%45R", request.Method);
                Assert.NotEqual("REGISTER", request.Method);
                Assert.Equal("%Z%45", request.To!.DisplayName);
                Assert.Equal("%Z%45", request.From!.DisplayName);
                Assert.Equal("z9hG4bK209%fzsnel234", request.TopVia!.Branch);
                Assert.Equal(new CSeqHeader(29344, "RE%47IST%45R"), request.CSeq);
                Assert.Equal(["alias1", "alias3"], request.Contacts.Select(c => c.Uri.User));
                Assert.Equal("<sip:alias2@host2.example.com>", request.Headers["C%6Fntact"]);
                break;
            }

            case "lwsdisp":
            {
                var from = message.From!;
                Assert.Equal("caller", from.DisplayName);
                Assert.Equal("sip:caller@example.com", from.Uri.ToString());
                Assert.Equal("323", from.Tag);
                break;
            }

            case "longreq":
            {
                var request = Assert.IsType<SipRequest>(message);
                var to = request.To!;
                Assert.Equal("I have a user name of " + Rfc4475Messages.Repeat("extreme", 10) + " proportion", to.DisplayName);
                Assert.Equal(6000, to.Uri.Port);
                Assert.Equal("very" + Rfc4475Messages.Repeat("long", 20) + "value", to.Uri.Parameters["unknownparam1"]);
                Assert.Equal("shortvalue", to.Uri.Parameters["longparam" + Rfc4475Messages.Repeat("name", 25)]);
                Assert.True(to.Uri.Parameters.Contains("very" + Rfc4475Messages.Repeat("long", 25) + "ParameterNameWithNoValue"));
                var from = request.From!;
                Assert.Equal(Rfc4475Messages.Repeat("amazinglylongcallername", 5), from.Uri.User);
                Assert.Equal("12" + Rfc4475Messages.Repeat("982", 50) + "424", from.Tag);
                Assert.Equal("unknowheaderparam" + Rfc4475Messages.Repeat("value", 15), from.Parameters["unknownheaderparam" + Rfc4475Messages.Repeat("name", 20)]);
                Assert.True(from.Parameters.Contains("unknownValueless" + Rfc4475Messages.Repeat("paramname", 10)));
                Assert.Equal("longreq.one" + Rfc4475Messages.Repeat("really", 20) + "longcallid", request.CallId);
                Assert.Equal(34, request.Vias.Count);
                Assert.Equal(Enumerable.Range(1, 33).Reverse().Select(n => $"sip{n}.example.com").Append("host.example.com"), request.Vias.Select(v => v.Host));
                Assert.Equal("very" + Rfc4475Messages.Repeat("long", 50) + "branchvalue", request.Vias[^1].Branch);
                Assert.Equal("192.0.2.5", request.Vias[^1].Parameters["received"]);
                Assert.Equal(Rfc4475Messages.Repeat("amazinglylongcallername", 5), Assert.Single(request.Contacts).Uri.User);
                Assert.StartsWith("unknown-" + Rfc4475Messages.Repeat("long", 20) + "-value;", request.Headers["Unknown-" + Rfc4475Messages.Repeat("Long", 20) + "-Name"], StringComparison.Ordinal);
                Assert.Equal(150, request.Body.Length);
                break;
            }

            case "dblreq":
            {
                // The INVITE after the REGISTER's zero-length body is extra octets, not a second message.
                var request = Assert.IsType<SipRequest>(message);
                Assert.Equal("REGISTER", request.Method);
                Assert.Equal(0, request.Body.Length);
                Assert.Equal("dblreq.0ha0isndaksdj99sdfafnl3lk233412", request.CallId);
                Assert.Equal("sip:j.user@host.example.com", Assert.Single(request.Contacts).Uri.ToString());
                break;
            }

            case "semiuri":
            {
                var request = Assert.IsType<SipRequest>(message);
                Assert.Equal("user;par=u%40example.net", request.RequestUri.User);
                Assert.Equal("example.com", request.RequestUri.Host);
                Assert.Equal(0, request.RequestUri.Parameters.Count);
                Assert.Equal(["application/sdp", "application/pkcs7-mime", "multipart/mixed", "multipart/signed", "message/sip", "message/sipfrag"], request.Headers.GetAll("Accept"));
                break;
            }

            case "transports":
                Assert.Equal(["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"], message.Vias.Select(v => v.Transport));
                Assert.Equal("transports.kijh4akdnaqjkwendsasfdj", message.CallId);
                break;

            case "mpart01":
            {
                var request = Assert.IsType<SipRequest>(message);
                Assert.Equal("MESSAGE", request.Method);
                Assert.Equal("multipart/mixed", request.ContentType);
                Assert.Equal(553, request.Body.Length);
                var body = request.Body.ToArray();
                var start = body.AsSpan().IndexOf(Rfc4475Messages.Mpart01Signature);
                Assert.Equal(187, start);
                Assert.Contains((byte)0, body);
                Assert.EndsWith("\r\n--7a9cbec02ceef655--\r\n", Encoding.ASCII.GetString(body.AsSpan(start + Rfc4475Messages.Mpart01Signature.Length)), StringComparison.Ordinal);
                Assert.StartsWith("r5mwreLuyDRYBi", request.Headers["Identity"], StringComparison.Ordinal);
                Assert.True(request.TopVia!.Parameters.Contains("rport"));
                break;
            }

            case "unreason":
            {
                var response = Assert.IsType<SipResponse>(message);
                Assert.Equal(200, response.StatusCode);
                Assert.Equal("= 2**3 * 5**2 но сто девяносто девять - простое", response.ReasonPhrase);
                Assert.Equal(154, response.Body.Length);
                break;
            }

            case "noreason":
            {
                var response = Assert.IsType<SipResponse>(message);
                Assert.Equal(100, response.StatusCode);
                Assert.Equal("", response.ReasonPhrase);
                break;
            }

            case "badvers":
                Assert.Equal("SIP/7.0", message.Version);
                Assert.Equal("7.0", message.TopVia!.ProtocolVersion);
                break;

            case "badbranch":
                Assert.Equal(ViaHeader.BranchCookie, message.TopVia!.Branch);
                break;

            case "unkscm":
            {
                var uri = Assert.IsType<SipRequest>(message).RequestUri;
                Assert.Equal("nobodyknowsthisscheme", uri.Scheme);
                Assert.False(uri.IsSip);
                Assert.Equal("totallyopaquecontent", uri.Opaque);
                break;
            }

            case "novelsc":
            {
                var uri = Assert.IsType<SipRequest>(message).RequestUri;
                Assert.Equal("soap.beep", uri.Scheme);
                Assert.Equal("//192.0.2.103:3002", uri.Opaque);
                break;
            }

            case "unksm2":
                Assert.Equal(("isbn", "2983792873"), (message.To!.Uri.Scheme, message.To.Uri.Opaque));
                Assert.Equal(("http", "//www.example.com"), (message.From!.Uri.Scheme, message.From.Uri.Opaque));
                Assert.Equal("3234233", message.From.Tag);
                Assert.Equal("name:John_Smith", Assert.Single(message.Contacts).Uri.ToString());
                break;

            case "bext01":
                Assert.Equal(["nothingSupportsThis", "nothingSupportsThisEither"], message.Headers.GetAll("Require"));
                Assert.Equal(["noProxiesSupportThis", "norDoAnyProxiesSupportThis"], message.Headers.GetAll("Proxy-Require"));
                break;

            case "invut":
                Assert.Equal("application/unknownformat", message.ContentType);
                Assert.Equal(40, message.Body.Length);
                break;

            case "regaut01":
                Assert.Equal("NoOneKnowsThisScheme opaque-data=here", message.Headers["Authorization"]);
                break;

            case "bcast":
                Assert.Equal(["192.0.2.198", "255.255.255.255"], message.Vias.Select(v => v.Host));
                break;

            case "zeromf":
                Assert.Equal(0, Assert.IsType<SipRequest>(message).MaxForwards);
                break;

            case "cparam01":
            {
                // Outside angle brackets the parameter belongs to the Contact, not to the URI.
                var contact = Assert.Single(message.Contacts);
                Assert.Equal("sip:+19725552222@gw1.example.net", contact.Uri.ToString());
                Assert.True(contact.Parameters.Contains("unknownparam"));
                break;
            }

            case "cparam02":
            {
                var contact = Assert.Single(message.Contacts);
                Assert.True(contact.Uri.Parameters.Contains("unknownparam"));
                Assert.Equal(0, contact.Parameters.Count);
                break;
            }

            case "regescrt":
                Assert.Equal("Route=%3Csip:sip.example.com%3E", Assert.Single(message.Contacts).Uri.Headers);
                break;

            case "sdp01":
                Assert.Equal(["text/nobodyKnowsThis"], message.Headers.GetAll("Accept"));
                break;

            case "inv2543":
            {
                var request = Assert.IsType<SipRequest>(message);
                Assert.Null(request.TopVia!.Branch);
                Assert.Null(request.From!.Tag);
                Assert.False(request.Headers.Contains("Max-Forwards"));
                // No Content-Length: the body is the rest of the datagram.
                Assert.EndsWith("m=audio 49217 RTP/AVP 0\r\n", request.BodyText, StringComparison.Ordinal);
                Assert.Equal("ss1.example.com", Assert.Single(request.RecordRoutes).Uri.Parameters["maddr"]);
                break;
            }

            default:
                Assert.Fail($"no meaning checks for {name}");
                break;
        }
    }

    /// <summary>The header lines in order, without Content-Length, which serialization always writes last.</summary>
    private static IEnumerable<(string, string)> WithoutLength(SipMessage message) =>
        message.Headers.Where(h => !SipHeaders.Canonical(h.Name).Equals("Content-Length", StringComparison.OrdinalIgnoreCase)).Select(h => (h.Name, h.Value));

    private static TortureMessage Named(string name) => Rfc4475Messages.All.Single(m => m.Name == name);
}
