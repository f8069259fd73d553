namespace Conferencing.Sip.Tests.Messages;

public sealed class SipUriTests
{
    [Theory]
    [InlineData("sip:alice@atlanta.com", "alice", "atlanta.com", null)]
    [InlineData("sip:alice:secretword@atlanta.com;transport=tcp", "alice", "atlanta.com", null)]
    [InlineData("sips:alice@atlanta.com?subject=project%20x&priority=urgent", "alice", "atlanta.com", null)]
    [InlineData("sip:+1-212-555-1212:1234@gateway.com;user=phone", "+1-212-555-1212", "gateway.com", null)]
    [InlineData("sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com", null, "atlanta.com", null)]
    [InlineData("sip:alice;day=tuesday@atlanta.com", "alice;day=tuesday", "atlanta.com", null)]
    [InlineData("sip:[2001:db8::10]:5070", null, "[2001:db8::10]", 5070)]
    [InlineData("sip:user@192.0.2.4:5060;lr", "user", "192.0.2.4", 5060)]
    [InlineData("SIP:user%40x@host", "user%40x", "host", null)]
    public void UrisParseAndRoundTrip(string text, string? user, string host, int? port)
    {
        var uri = SipUri.Parse(text);
        Assert.Equal(user, uri.User);
        Assert.Equal(host, uri.Host);
        Assert.Equal(port, uri.Port);
        Assert.True(SipUri.Parse(uri.ToString()).EquivalentTo(uri));
        if (!text.StartsWith("SIP:", StringComparison.Ordinal))
        {
            Assert.Equal(text, uri.ToString());
        }
    }

    [Fact]
    public void EscapesDecodeInTheUser() => Assert.Equal("user@x", SipUri.Parse("sip:user%40x@host").UnescapedUser);

    [Fact]
    public void TelUrisParse()
    {
        var uri = SipUri.Parse("tel:+84-210-3846-789;phone-context=+84");
        Assert.Equal("tel", uri.Scheme);
        Assert.Equal("+84-210-3846-789", uri.User);
        Assert.Equal("+84", uri.Parameters["phone-context"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("alice@atlanta.com")]
    [InlineData("sip:")]
    [InlineData("sip:@host")]
    [InlineData("sip:user@")]
    [InlineData("sip:user@host:")]
    [InlineData("sip:user@ho st")]
    [InlineData("sip:user@[fe80::1")]
    [InlineData("sip:user@[not-v6]")]
    [InlineData("sip:us%4xer@host")]
    [InlineData("tel:")]
    [InlineData("sip:user@host;=x")]
    public void BadUrisAreRefused(string text)
    {
        Assert.False(SipUri.TryParse(text, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
        Assert.Throws<SipParseException>(() => SipUri.Parse(text));
    }

    [Theory]
    [InlineData("mailto:a@b", "mailto", "a@b")]
    [InlineData("isbn:2983792873", "isbn", "2983792873")]
    [InlineData("soap.beep://192.0.2.103:3002", "soap.beep", "//192.0.2.103:3002")]
    [InlineData("urn:service:sos", "urn", "service:sos")]
    public void OtherSchemesParseAsOpaqueUrisThatRoundTrip(string text, string scheme, string opaque)
    {
        var uri = SipUri.Parse(text);
        Assert.Equal(scheme, uri.Scheme);
        Assert.Equal(opaque, uri.Opaque);
        Assert.False(uri.IsSip);
        Assert.Equal("", uri.Host);
        Assert.Equal(text, uri.ToString());
        Assert.True(uri.EquivalentTo(SipUri.Parse(text)));
        Assert.False(uri.EquivalentTo(SipUri.Parse("sip:a@b")));
    }

    [Theory]
    [InlineData("1abc:x")]
    [InlineData("ab_c:x")]
    [InlineData("http:")]
    [InlineData("http:a{b}")]
    [InlineData("urn:a%zz")]
    public void MalformedAbsoluteUrisAreRefused(string text) => Assert.False(SipUri.TryParse(text, out _, out _));

    [Fact]
    public void ParameterNamesMatchWithEscapesDecodedAndValuesUnescapeOnce()
    {
        var uri = SipUri.Parse("sip:cal%6Cer@host;%6C%72;n%61me=v%61lue%25%34%31;%74ransport=TCP");
        Assert.True(uri.Parameters.Contains("lr"));
        Assert.Equal("v%61lue%25%34%31", uri.Parameters["name"]);
        Assert.Equal("value%41", uri.Parameters.GetUnescaped("name"));
        Assert.Null(uri.Parameters.GetUnescaped("lr"));
        Assert.True(uri.EquivalentTo(SipUri.Parse("sip:caller@host;transport=tcp")));
        Assert.Equal("sip:cal%6Cer@host;%6C%72;n%61me=v%61lue%25%34%31;%74ransport=TCP", uri.ToString());
        Assert.Equal("Tỉnh Phú Thọ", SipUri.Parse("sip:T%E1%BB%89nh%20Ph%C3%BA%20Th%E1%BB%8D@host").UnescapedUser);
    }

    [Theory]
    [InlineData("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5", true)]
    [InlineData("sip:alice@AtLanTa.CoM;Transport=UDP", "sip:alice@atlanta.com;transport=udp", true)]
    [InlineData("sip:%61lice@atlanta.com", "sip:alice@atlanta.com", true)]
    [InlineData("SIP:ALICE@AtLanTa.CoM", "sip:alice@atlanta.com", false)]
    [InlineData("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060", false)]
    [InlineData("sip:bob@biloxi.com;transport=tcp", "sip:bob@biloxi.com", false)]
    public void EquivalenceFollowsRfc3261(string a, string b, bool equal) =>
        Assert.Equal(equal, SipUri.Parse(a).EquivalentTo(SipUri.Parse(b)));

    [Theory]
    [InlineData("\"Lò Văn \\\"A\\\"\" <sip:a@b>;tag=x", "Lò Văn \"A\"", "x")]
    [InlineData("Bob <sip:bob@biloxi.com>", "Bob", null)]
    [InlineData("sip:bob@biloxi.com;tag=456", null, "456")]
    [InlineData("<sip:bob@biloxi.com;transport=tcp>;tag=9", null, "9")]
    public void AddressesParseDisplayNameUriAndTag(string text, string? display, string? tag)
    {
        var address = NameAddress.Parse(text);
        Assert.Equal(display, address.DisplayName);
        Assert.Equal(tag, address.Tag);
        var again = NameAddress.Parse(address.ToString());
        Assert.Equal(address.DisplayName, again.DisplayName);
        Assert.Equal(address.Tag, again.Tag);
        Assert.True(again.Uri.EquivalentTo(address.Uri));
    }

    [Theory]
    [InlineData("\"Watson, Thomas\" < sip:t.watson@example.org >")]
    [InlineData("<sip:t.watson@example.org >")]
    [InlineData("Watson, Thomas <sip:t.watson@example.org>")]
    [InlineData("\"Mr. J. User <sip:j.user@example.com>")]
    [InlineData("<sip:joe@example.org>;;;;")]
    [InlineData("sip:user@example.com?Route=%3Csip:sip.example.com%3E")]
    public void AddressesRfc4475CallsMalformedAreRefused(string text) => Assert.False(NameAddress.TryParse(text, out _, out _));

    [Theory]
    [InlineData("SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds", "UDP", "pc33.atlanta.com", null)]
    [InlineData("SIP / 2.0 / tcp 192.0.2.1:5060 ;branch=z9hG4bK1;rport=5061;received=192.0.2.9", "TCP", "192.0.2.1", 5060)]
    [InlineData("SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1", "UDP", "[2001:db8::1]", 5060)]
    public void ViaEntriesParse(string text, string transport, string host, int? port)
    {
        Assert.True(ViaHeader.TryParse(text, out var via, out var error), error);
        Assert.Equal(transport, via.Transport);
        Assert.Equal(host, via.Host);
        Assert.Equal(port, via.Port);
        Assert.StartsWith("z9hG4bK", via.Branch, StringComparison.Ordinal);
        Assert.True(ViaHeader.TryParse(via.ToString(), out var again, out _));
        Assert.Equal(via.SentBy, again.SentBy);
    }
}
