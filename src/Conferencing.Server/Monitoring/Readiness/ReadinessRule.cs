using System.Globalization;
using System.Text.Json.Serialization;

namespace Conferencing.Server.Monitoring.Readiness;

/// <summary>A site's readiness, as the province reports it: green (trạng thái xanh), yellow, red.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ReadinessColor>))]
public enum ReadinessColor
{
    /// <summary>Not tested yet (or the last test is too old).</summary>
    Untested,

    /// <summary>Fails: the meeting would not reach the site, or not usably.</summary>
    Red,

    /// <summary>Works, with a flaw someone should look at before the meeting.</summary>
    Yellow,

    /// <summary>Ready.</summary>
    Green,
}

/// <summary>What one test call measured: the relay called the endpoint, sent it a test picture and sound, and read its leg's statistics.</summary>
/// <param name="Answered">The endpoint answered.</param>
/// <param name="StatusCode">The SIP status when it did not.</param>
/// <param name="Failure">Why it did not, else null.</param>
/// <param name="PacketsIn">Packets the relay received from the endpoint while measuring.</param>
/// <param name="PacketsOut">Packets the relay sent it.</param>
/// <param name="BitrateInKbps">What the endpoint sent, kbit/s (last second).</param>
/// <param name="BitrateOutKbps">What the relay sent it.</param>
/// <param name="LossInPercent">Loss of what the endpoint sent, measured at the relay.</param>
/// <param name="LossOutPercent">Loss of what the relay sent, as the endpoint's receiver reports say; null without a report.</param>
/// <param name="JitterMs">Jitter of the endpoint's audio at the relay (RFC 3550 A.8).</param>
/// <param name="RoundTripMs">RTCP round trip; null without a report.</param>
public sealed record TestCallMeasurement(
    bool Answered,
    int? StatusCode,
    string? Failure,
    long PacketsIn,
    long PacketsOut,
    double BitrateInKbps,
    double BitrateOutKbps,
    double LossInPercent,
    double? LossOutPercent,
    double JitterMs,
    double? RoundTripMs);

/// <summary>
/// The verdict on one measurement: a colour, a stable reason code (the first of the worst colour's),
/// and the reason in words (English, for the API and the log; pages word <see cref="Codes"/> in the
/// reader's language).
/// </summary>
public sealed record ReadinessVerdict(ReadinessColor Color, string Code, string Reason)
{
    /// <summary>Every reason code of the worst colour, in the rule's order (<see cref="Code"/> first).</summary>
    public IReadOnlyList<string> Codes { get; init; } = [Code];
}

/// <summary>
/// Turns a test call's measurement into green, yellow or red with the reason. The loss and jitter
/// bounds are the reports' quality grades (Good: loss under 1 %, jitter under 30 ms; Fair: under
/// 3 % and 50 ms, the ITU-T Y.1541 class 0/1 delay-variation bound), so a site that tests green
/// grades Good in the report. Round trip: yellow from 300 ms and red from 800 ms, ITU-T G.114's
/// 150 ms and 400 ms one way. Media must flow both ways; the far end's receiver report is the only
/// proof that what the relay sent arrived, so its absence is yellow.
/// </summary>
public static class ReadinessRule
{
    public const double YellowLossPercent = 1.0;
    public const double RedLossPercent = 3.0;
    public const double YellowJitterMs = 30.0;
    public const double RedJitterMs = 50.0;
    public const double YellowRoundTripMs = 300.0;
    public const double RedRoundTripMs = 800.0;

    public static ReadinessVerdict Judge(TestCallMeasurement m)
    {
        ArgumentNullException.ThrowIfNull(m);
        if (!m.Answered)
        {
            return new(ReadinessColor.Red, "no-answer", m.StatusCode is { } status
                ? $"the endpoint did not answer the test call ({status.ToString(CultureInfo.InvariantCulture)}{(m.Failure is null ? "" : " " + m.Failure)})"
                : $"the endpoint did not answer the test call{(m.Failure is null ? "" : ": " + m.Failure)}");
        }

        if (m.PacketsIn == 0)
        {
            return new(ReadinessColor.Red, "no-media-from-site", "the call connected but the site sent no media");
        }

        if (m.PacketsOut == 0)
        {
            return new(ReadinessColor.Red, "no-media-to-site", "the call connected but the relay could send the site nothing");
        }

        var loss = Math.Max(m.LossInPercent, m.LossOutPercent ?? 0);
        var verdicts = new List<ReadinessVerdict>();
        if (loss >= RedLossPercent)
        {
            verdicts.Add(new(ReadinessColor.Red, "loss", F($"packet loss {loss:0.#} % (from the site {m.LossInPercent:0.#} %, to it {m.LossOutPercent ?? 0:0.#} %)")));
        }
        else if (loss >= YellowLossPercent)
        {
            verdicts.Add(new(ReadinessColor.Yellow, "loss", F($"packet loss {loss:0.#} % (from the site {m.LossInPercent:0.#} %, to it {m.LossOutPercent ?? 0:0.#} %)")));
        }

        if (m.JitterMs >= RedJitterMs)
        {
            verdicts.Add(new(ReadinessColor.Red, "jitter", F($"jitter {m.JitterMs:0} ms")));
        }
        else if (m.JitterMs >= YellowJitterMs)
        {
            verdicts.Add(new(ReadinessColor.Yellow, "jitter", F($"jitter {m.JitterMs:0} ms")));
        }

        if (m.RoundTripMs is { } rtt && rtt >= RedRoundTripMs)
        {
            verdicts.Add(new(ReadinessColor.Red, "round-trip", F($"round trip {rtt:0} ms")));
        }
        else if (m.RoundTripMs is { } slow && slow >= YellowRoundTripMs)
        {
            verdicts.Add(new(ReadinessColor.Yellow, "round-trip", F($"round trip {slow:0} ms")));
        }

        if (m.LossOutPercent is null)
        {
            verdicts.Add(new(ReadinessColor.Yellow, "no-receiver-report", "the site sent no receiver report, so what it receives is not confirmed"));
        }

        if (verdicts.Count == 0)
        {
            return new(ReadinessColor.Green, "ready", F($"media both ways, loss {loss:0.#} %, jitter {m.JitterMs:0} ms{(m.RoundTripMs is { } r ? $", round trip {r:0} ms" : "")}"));
        }

        // The worst colour decides; every reason of that colour is named.
        var worst = verdicts.Min(v => v.Color);
        var named = verdicts.Where(v => v.Color == worst).ToList();
        return new(worst, named[0].Code, string.Join("; ", named.Select(v => v.Reason))) { Codes = [.. named.Select(v => v.Code)] };
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
