using Conferencing.Server.Monitoring.Readiness;

namespace Conferencing.Server.Tests.Monitoring;

public sealed class ReadinessRuleTests
{
    private static TestCallMeasurement Clean(double lossIn = 0, double? lossOut = 0, double jitter = 4, double? rtt = 20, long packetsIn = 500, long packetsOut = 500) =>
        new(true, null, null, packetsIn, packetsOut, 300, 290, lossIn, lossOut, jitter, rtt);

    public static TheoryData<string, TestCallMeasurement, ReadinessColor, string> Table => new()
    {
        { "clean call", Clean(), ReadinessColor.Green, "ready" },
        { "loss just under yellow", Clean(lossIn: 0.9), ReadinessColor.Green, "ready" },
        { "loss at yellow, from the site", Clean(lossIn: 1.0), ReadinessColor.Yellow, "loss" },
        { "loss at yellow, to the site", Clean(lossOut: 2.5), ReadinessColor.Yellow, "loss" },
        { "loss at red", Clean(lossOut: 3.0), ReadinessColor.Red, "loss" },
        { "jitter at yellow", Clean(jitter: 30), ReadinessColor.Yellow, "jitter" },
        { "jitter at red", Clean(jitter: 50), ReadinessColor.Red, "jitter" },
        { "slow round trip", Clean(rtt: 300), ReadinessColor.Yellow, "round-trip" },
        { "very slow round trip", Clean(rtt: 800), ReadinessColor.Red, "round-trip" },
        { "no receiver report", Clean(lossOut: null, rtt: null), ReadinessColor.Yellow, "no-receiver-report" },
        { "red outranks yellow", Clean(lossIn: 1.5, jitter: 60), ReadinessColor.Red, "jitter" },
        { "nothing from the site", Clean(packetsIn: 0), ReadinessColor.Red, "no-media-from-site" },
        { "nothing to the site", Clean(packetsOut: 0), ReadinessColor.Red, "no-media-to-site" },
        { "busy", new TestCallMeasurement(false, 486, "Busy Here", 0, 0, 0, 0, 0, null, 0, null), ReadinessColor.Red, "no-answer" },
        { "no answer", new TestCallMeasurement(false, null, "no answer in 20 s", 0, 0, 0, 0, 0, null, 0, null), ReadinessColor.Red, "no-answer" },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void AMeasurementGetsItsColourAndReason(string name, TestCallMeasurement measurement, ReadinessColor color, string code)
    {
        var verdict = ReadinessRule.Judge(measurement);
        Assert.True(verdict.Color == color && verdict.Code == code, $"{name}: {verdict}");
        Assert.False(string.IsNullOrWhiteSpace(verdict.Reason));
    }

    [Fact]
    public void EveryReasonOfTheWorstColourIsNamed()
    {
        var verdict = ReadinessRule.Judge(Clean(lossIn: 4, jitter: 70, rtt: 900));
        Assert.Equal(ReadinessColor.Red, verdict.Color);
        Assert.Contains("loss 4 %", verdict.Reason, StringComparison.Ordinal);
        Assert.Contains("jitter 70 ms", verdict.Reason, StringComparison.Ordinal);
        Assert.Contains("round trip 900 ms", verdict.Reason, StringComparison.Ordinal);
        Assert.Equal(["loss", "jitter", "round-trip"], verdict.Codes);
    }

    [Fact]
    public void OnlyTheWorstColoursCodesAreListed()
    {
        var verdict = ReadinessRule.Judge(Clean(lossIn: 4, jitter: 35, rtt: 20));
        Assert.Equal(ReadinessColor.Red, verdict.Color);
        Assert.Equal(["loss"], verdict.Codes);
    }

    [Fact]
    public void ARefusalNamesTheSipStatus()
    {
        var verdict = ReadinessRule.Judge(new TestCallMeasurement(false, 486, "Busy Here", 0, 0, 0, 0, 0, null, 0, null));
        Assert.Contains("486", verdict.Reason, StringComparison.Ordinal);
    }
}
