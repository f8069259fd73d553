using System.Text;
using Conferencing.Sip.Transport;

namespace Conferencing.Sip.Tests.Transport;

public sealed class StreamFramingTests
{
    private const string Options = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nContent-Length: 4\r\n\r\nbody";

    [Fact]
    public void AWholeMessageIsFramedWithItsBody()
    {
        var bytes = Encoding.ASCII.GetBytes(Options + "NEXT");
        Assert.Equal(StreamFraming.Result.Message, StreamFraming.TryFrame(bytes, out var skipped, out var length, out _));
        Assert.Equal(0, skipped);
        Assert.Equal(Options.Length, length);
    }

    [Fact]
    public void EveryStrictPrefixIsIncomplete()
    {
        var bytes = Encoding.ASCII.GetBytes(Options);
        for (var i = 0; i < bytes.Length; i++)
        {
            Assert.Equal(StreamFraming.Result.Incomplete, StreamFraming.TryFrame(bytes.AsSpan(0, i), out _, out _, out _));
        }
    }

    [Fact]
    public void KeepAliveLineBreaksBeforeAMessageAreSkipped()
    {
        var bytes = Encoding.ASCII.GetBytes("\r\n\r\n\r\n" + Options);
        Assert.Equal(StreamFraming.Result.Message, StreamFraming.TryFrame(bytes, out var skipped, out var length, out _));
        Assert.Equal(6, skipped);
        Assert.Equal(Options.Length, length);
    }

    [Theory]
    [InlineData("INVITE sip:a@b SIP/2.0\r\nl: 2\r\n\r\nab", 2)]
    [InlineData("INVITE sip:a@b SIP/2.0\r\ncontent-length :  0\r\n\r\n", 0)]
    public void CompactAndOddlySpacedContentLengthCount(string message, int body)
    {
        var bytes = Encoding.ASCII.GetBytes(message);
        Assert.Equal(StreamFraming.Result.Message, StreamFraming.TryFrame(bytes, out _, out var length, out _));
        Assert.Equal(bytes.Length, length);
        Assert.True(body <= length);
    }

    [Theory]
    [InlineData("INVITE sip:a@b SIP/2.0\r\nVia: x\r\n\r\n")]
    [InlineData("INVITE sip:a@b SIP/2.0\r\nContent-Length: -1\r\n\r\n")]
    [InlineData("INVITE sip:a@b SIP/2.0\r\nContent-Length: 99999999999\r\n\r\n")]
    [InlineData("INVITE sip:a@b SIP/2.0\r\nContent-Length: 1x\r\n\r\n")]
    public void AStreamWithoutAUsableContentLengthIsBroken(string message)
    {
        Assert.Equal(StreamFraming.Result.Broken, StreamFraming.TryFrame(Encoding.ASCII.GetBytes(message), out _, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void EndlessHeadersBreakTheStream()
    {
        var bytes = Encoding.ASCII.GetBytes("INVITE sip:a@b SIP/2.0\r\n" + string.Concat(Enumerable.Repeat("X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n", 2000)));
        Assert.Equal(StreamFraming.Result.Broken, StreamFraming.TryFrame(bytes, out _, out _, out _));
    }
}
