using Conferencing.Devices.PjLink;

namespace Conferencing.Devices.Tests.PjLink;

public class PjLinkProtocolTests
{
    [Theory]
    [InlineData("POWR", "1", "%1POWR 1\r")]
    [InlineData("POWR", "0", "%1POWR 0\r")]
    [InlineData("INPT", "31", "%1INPT 31\r")]
    [InlineData("AVMT", "31", "%1AVMT 31\r")]
    [InlineData("INF1", "?", "%1INF1 ?\r")]
    public void CommandsAreClassOneLines(string body, string parameter, string expected) =>
        Assert.Equal(expected, PjLinkProtocol.Command(body, parameter));

    [Theory]
    [InlineData("POW")]
    [InlineData("powr")]
    [InlineData("POWRX")]
    public void MalformedCommandBodiesAreRefused(string body) =>
        Assert.Throws<ArgumentException>(() => PjLinkProtocol.Command(body, "1"));

    [Fact]
    public void DigestIsMd5OfRandomFollowedByPassword() =>
        // The specification's own example: random 498e4a67, password JBMIAProjectorLink.
        Assert.Equal("5d8409bc1c3fa39749434aa3a5c38682", PjLinkProtocol.Digest("498e4a67", "JBMIAProjectorLink"));

    [Fact]
    public void GreetingsParse()
    {
        Assert.True(PjLinkProtocol.TryParseGreeting("PJLINK 0", out var auth, out var random));
        Assert.False(auth);
        Assert.Null(random);
        Assert.True(PjLinkProtocol.TryParseGreeting("PJLINK 1 498e4a67", out auth, out random));
        Assert.True(auth);
        Assert.Equal("498e4a67", random);
        Assert.False(PjLinkProtocol.TryParseGreeting("PJLINK ERRA", out _, out _));
        Assert.False(PjLinkProtocol.TryParseGreeting("PJLINK 1 498e", out _, out _));
        Assert.False(PjLinkProtocol.TryParseGreeting("PJLINK 2", out _, out _));
    }

    [Theory]
    [InlineData("%1POWR=OK", "POWR", "OK", null)]
    [InlineData("%1POWR=1", "POWR", "1", null)]
    [InlineData("%1INPT=31", "INPT", "31", null)]
    [InlineData("%1POWR=ERR1", "POWR", "ERR1", PjLinkError.UndefinedCommand)]
    [InlineData("%1INPT=ERR2", "INPT", "ERR2", PjLinkError.OutOfParameter)]
    [InlineData("%1INPT=ERR3", "INPT", "ERR3", PjLinkError.UnavailableTime)]
    [InlineData("%1POWR=ERR4", "POWR", "ERR4", PjLinkError.DeviceFailure)]
    [InlineData("%1NAME=", "NAME", "", null)]
    public void ResponsesParse(string line, string body, string value, PjLinkError? error)
    {
        Assert.True(PjLinkProtocol.TryParseResponse(line, out var response));
        Assert.Equal(body, response.Body);
        Assert.Equal(value, response.Value);
        Assert.Equal(error, response.Error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("%1POWR")]
    [InlineData("%2POWR=OK")]
    [InlineData("%1POWR OK")]
    [InlineData("PJLINK ERRA")]
    public void MalformedResponsesAreRefused(string line) => Assert.False(PjLinkProtocol.TryParseResponse(line, out _));

    [Fact]
    public void ErrorStatusIsSixDigitsInSpecificationOrder()
    {
        Assert.True(PjLinkErrorStatus.TryParse("021000", out var status));
        Assert.Equal(PjLinkErrorLevel.Ok, status.Fan);
        Assert.Equal(PjLinkErrorLevel.Error, status.Lamp);
        Assert.Equal(PjLinkErrorLevel.Warning, status.Temperature);
        Assert.True(status.Any);
        Assert.Equal("021000", status.ToString());
        Assert.True(PjLinkErrorStatus.TryParse("000000", out var clean));
        Assert.False(clean.Any);
        Assert.False(PjLinkErrorStatus.TryParse("00000", out _));
        Assert.False(PjLinkErrorStatus.TryParse("000300", out _));
    }

    [Fact]
    public void LampsArePairsOfHoursAndState()
    {
        Assert.True(PjLinkProtocol.TryParseLamps("12345 1", out var one));
        Assert.Equal([new PjLinkLamp(12345, true)], one);
        Assert.True(PjLinkProtocol.TryParseLamps("100 0 99999 1", out var two));
        Assert.Equal([new PjLinkLamp(100, false), new PjLinkLamp(99999, true)], two);
        Assert.False(PjLinkProtocol.TryParseLamps("100", out _));
        Assert.False(PjLinkProtocol.TryParseLamps("100000 1", out _));
        Assert.False(PjLinkProtocol.TryParseLamps("100 2", out _));
        Assert.False(PjLinkProtocol.TryParseLamps("-1 1", out _));
    }

    [Theory]
    [InlineData("11", true)]
    [InlineData("59", true)]
    [InlineData("31", true)]
    [InlineData("10", false)]
    [InlineData("61", false)]
    [InlineData("3", false)]
    [InlineData("311", false)]
    public void InputCodesAreTypeOneToFiveAndNumberOneToNine(string code, bool valid) =>
        Assert.Equal(valid, PjLinkProtocol.IsValidInput(code));
}
