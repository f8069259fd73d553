using System.Net;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.LiveMeetings.Preview;

/// <summary>The live meeting page's still of the program (section <c>Preview</c>).</summary>
public sealed class ProgramPreviewOptions
{
    public const string Section = "Preview";

    /// <summary>Where the preview leg's SIP and RTP listen by default: loopback, beside an in-process relay.</summary>
    public const string DefaultAddress = "127.0.0.1";

    public const string DefaultFfmpeg = "ffmpeg";

    /// <summary>A still is served again without decoding for 3 s.</summary>
    public static readonly TimeSpan DefaultCacheFor = TimeSpan.FromSeconds(3);

    /// <summary>The page asks for a new still every 4 s.</summary>
    public static readonly TimeSpan DefaultRefreshEvery = TimeSpan.FromSeconds(4);

    /// <summary>The preview leg is hung up 60 s after the last still was asked for.</summary>
    public static readonly TimeSpan DefaultIdleHangUp = TimeSpan.FromSeconds(60);

    /// <summary>While watched, a keyframe older than 10 s is asked for again, for room systems that send one rarely.</summary>
    public static readonly TimeSpan DefaultKeyframeRequestAfter = TimeSpan.FromSeconds(10);

    /// <summary>False turns the preview off: no leg is dialled and the endpoint answers 404.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The address the preview's SIP agent and RTP sockets bind to; relays must reach it.</summary>
    public string Address { get; set; } = DefaultAddress;

    /// <summary>The ffmpeg that decodes a keyframe into a JPEG.</summary>
    public string Ffmpeg { get; set; } = DefaultFfmpeg;

    public TimeSpan CacheFor { get; set; } = DefaultCacheFor;

    public TimeSpan RefreshEvery { get; set; } = DefaultRefreshEvery;

    public TimeSpan IdleHangUp { get; set; } = DefaultIdleHangUp;

    public TimeSpan KeyframeRequestAfter { get; set; } = DefaultKeyframeRequestAfter;
}

public sealed class ProgramPreviewOptionsValidator : IValidateOptions<ProgramPreviewOptions>
{
    public ValidateOptionsResult Validate(string? name, ProgramPreviewOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!IPAddress.TryParse(options.Address, out _))
        {
            failures.Add($"Preview:Address must be an IP address; it is {options.Address}.");
        }

        if (string.IsNullOrWhiteSpace(options.Ffmpeg))
        {
            failures.Add("Preview:Ffmpeg must name the ffmpeg program.");
        }

        foreach (var (key, value, min, max) in new[]
        {
            ("CacheFor", options.CacheFor, TimeSpan.Zero, TimeSpan.FromMinutes(1)),
            ("RefreshEvery", options.RefreshEvery, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1)),
            ("IdleHangUp", options.IdleHangUp, TimeSpan.FromSeconds(5), TimeSpan.FromHours(1)),
            ("KeyframeRequestAfter", options.KeyframeRequestAfter, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)),
        })
        {
            if (value < min || value > max)
            {
                failures.Add($"Preview:{key} must be between {min} and {max}; it is {value}.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
