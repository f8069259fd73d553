namespace Conferencing.Sip.Tests;

public sealed class SipParseExceptionTests
{
    [Fact]
    public void MessageNamesTheOffset()
    {
        var ex = new SipParseException("bad start line", 7);
        Assert.Contains("at byte 7", ex.Message, StringComparison.Ordinal);
        Assert.Equal(7, ex.Offset);
    }
}
