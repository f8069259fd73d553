using Microsoft.Extensions.Options;

namespace Conferencing.Server.LiveMeetings;

/// <summary>Thresholds of a site's state in a meeting (section <c>LiveMeetings</c>).</summary>
public sealed class SiteStateOptions
{
    public const string Section = "LiveMeetings";

    /// <summary>The default jitter that makes a call amber: 50 ms.</summary>
    public const double DefaultDegradedJitterMs = 50;

    /// <summary>The default time a call must be connected before one-way media counts: 3 s.</summary>
    public static readonly TimeSpan DefaultOneWayAfter = TimeSpan.FromSeconds(3);

    /// <summary>Interarrival jitter (either way) at or above which a call is degraded. The default is 50 ms.</summary>
    public double DegradedJitterMs { get; set; } = DefaultDegradedJitterMs;

    /// <summary>How long a call is connected before media flowing one way only makes it degraded. The default is 3 s.</summary>
    public TimeSpan OneWayAfter { get; set; } = DefaultOneWayAfter;
}

public sealed class SiteStateOptionsValidator : IValidateOptions<SiteStateOptions>
{
    public ValidateOptionsResult Validate(string? name, SiteStateOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (!(options.DegradedJitterMs > 0))
        {
            errors.Add($"{SiteStateOptions.Section}:DegradedJitterMs must be above 0 (it is {options.DegradedJitterMs}).");
        }

        if (options.OneWayAfter < TimeSpan.Zero)
        {
            errors.Add($"{SiteStateOptions.Section}:OneWayAfter must not be negative.");
        }


        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
