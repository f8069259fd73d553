using System.Net;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.Recording;

/// <summary>Meeting recording: where files go, how they are cut, how long they are kept, and the disk guard (the <c>Recording</c> section).</summary>
public sealed class RecordingOptions
{
    public const string Section = "Recording";

    /// <summary>The default directory: <c>data/recordings</c>, beside the SQLite store.</summary>
    public const string DefaultDirectory = "data/recordings";

    /// <summary>The default ffmpeg: Debian's, on the PATH.</summary>
    public const string DefaultFfmpeg = "ffmpeg";

    /// <summary>The default address the recorder's SIP agent and ffmpeg's RTP ports bind: loopback, beside the in-process relay.</summary>
    public const string DefaultAddress = "127.0.0.1";

    /// <summary>A segment is closed every minute by default: a crash loses at most that much.</summary>
    public static readonly TimeSpan DefaultSegmentDuration = TimeSpan.FromMinutes(1);

    /// <summary>Recordings are kept 90 days by default.</summary>
    public const int DefaultRetentionDays = 90;

    /// <summary>Recording stops when less than 2 GiB is free by default (a 2 Mbit/s program writes ~1 GiB an hour).</summary>
    public const long DefaultMinFreeMegabytes = 2048;

    /// <summary>The retention sweep runs every hour by default.</summary>
    public static readonly TimeSpan DefaultSweepInterval = TimeSpan.FromHours(1);

    /// <summary>Record at all (meetings whose switch is on). The default is true; the test suite turns it off for tests about other things.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Where recordings are written, one folder per recording.</summary>
    public string Directory { get; set; } = DefaultDirectory;

    /// <summary>The ffmpeg executable.</summary>
    public string Ffmpeg { get; set; } = DefaultFfmpeg;

    /// <summary>
    /// The address the recorder answers SIP and receives RTP on. Loopback serves the in-process relay;
    /// a remote top relay needs an address it can reach. The default is <see cref="DefaultAddress"/>.
    /// </summary>
    public string Address { get; set; } = DefaultAddress;

    /// <summary>Length of a segment (the most a crash loses). The default is <see cref="DefaultSegmentDuration"/>.</summary>
    public TimeSpan SegmentDuration { get; set; } = DefaultSegmentDuration;

    /// <summary>Days a recording is kept after it ended; 0 keeps them for ever. The default is <see cref="DefaultRetentionDays"/>.</summary>
    public int RetentionDays { get; set; } = DefaultRetentionDays;

    /// <summary>
    /// Free space, in MiB, under which recording stops with an alarm and no new recording starts.
    /// Read live (a change applies at the next check). The default is <see cref="DefaultMinFreeMegabytes"/>.
    /// </summary>
    public long MinFreeMegabytes { get; set; } = DefaultMinFreeMegabytes;

    /// <summary>How often old recordings are swept. The default is <see cref="DefaultSweepInterval"/>.</summary>
    public TimeSpan SweepInterval { get; set; } = DefaultSweepInterval;
}

public sealed class RecordingOptionsValidator : IValidateOptions<RecordingOptions>
{
    public ValidateOptionsResult Validate(string? name, RecordingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Directory))
        {
            failures.Add("Recording:Directory must name a directory.");
        }

        if (string.IsNullOrWhiteSpace(options.Ffmpeg))
        {
            failures.Add("Recording:Ffmpeg must name the ffmpeg executable.");
        }

        if (!IPAddress.TryParse(options.Address, out _))
        {
            failures.Add($"Recording:Address must be an IP address; it is '{options.Address}'.");
        }

        if (options.SegmentDuration < TimeSpan.FromSeconds(2) || options.SegmentDuration > TimeSpan.FromHours(1))
        {
            failures.Add($"Recording:SegmentDuration must be between 00:00:02 and 01:00:00; it is {options.SegmentDuration}.");
        }

        if (options.RetentionDays is < 0 or > 36500)
        {
            failures.Add($"Recording:RetentionDays must be between 0 (keep) and 36500; it is {options.RetentionDays}.");
        }

        if (options.MinFreeMegabytes < 0)
        {
            failures.Add($"Recording:MinFreeMegabytes must be 0 or more; it is {options.MinFreeMegabytes}.");
        }

        if (options.SweepInterval < TimeSpan.FromSeconds(1) || options.SweepInterval > TimeSpan.FromDays(1))
        {
            failures.Add($"Recording:SweepInterval must be between 00:00:01 and 1.00:00:00; it is {options.SweepInterval}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
