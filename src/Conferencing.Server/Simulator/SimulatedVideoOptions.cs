using Microsoft.Extensions.Options;

namespace Conferencing.Server.Simulator;

/// <summary>How the demo's simulated cameras make their pictures (section <c>Simulator</c>).</summary>
public sealed class SimulatedVideoOptions
{
    public const string Section = "Simulator";

    /// <summary>The default cache of encoded clips: data/simulator-video, beside the store.</summary>
    public const string DefaultCacheDirectory = "data/simulator-video";

    /// <summary>The default ffmpeg: the one on the PATH.</summary>
    public const string DefaultFfmpeg = "ffmpeg";

    /// <summary>The default font for the site's code and name: DejaVu Sans Bold (fonts-dejavu-core), which has Vietnamese.</summary>
    public const string DefaultFontFile = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";

    /// <summary>Encodes running at once: 2, so a meeting starting 149 rooms for the first time does not starve the machine.</summary>
    public const int DefaultMaxConcurrentEncodes = 2;

    /// <summary>Where each site's clip is kept once encoded; a relative path is under the working directory.</summary>
    public string CacheDirectory { get; set; } = DefaultCacheDirectory;

    /// <summary>The ffmpeg that encodes the clips. Without it the cameras send H.264-shaped, undecodable frames.</summary>
    public string Ffmpeg { get; set; } = DefaultFfmpeg;

    /// <summary>The TrueType font the site's code and name are written in.</summary>
    public string FontFile { get; set; } = DefaultFontFile;

    /// <summary>How many clips are encoded at once. The default is <see cref="DefaultMaxConcurrentEncodes"/>.</summary>
    public int MaxConcurrentEncodes { get; set; } = DefaultMaxConcurrentEncodes;
}

public sealed class SimulatedVideoOptionsValidator : IValidateOptions<SimulatedVideoOptions>
{
    private static readonly char[] FilterSpecial = [':', '\'', '\\', ',', ';', '[', ']'];

    public ValidateOptionsResult Validate(string? name, SimulatedVideoOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.CacheDirectory))
        {
            failures.Add("Simulator:CacheDirectory must name a directory.");
        }

        if (string.IsNullOrWhiteSpace(options.Ffmpeg))
        {
            failures.Add("Simulator:Ffmpeg must name the ffmpeg program.");
        }

        foreach (var (key, path) in new[] { ("CacheDirectory", options.CacheDirectory), ("FontFile", options.FontFile) })
        {
            // Both end up inside an ffmpeg filter, where these characters would need two levels of escaping.
            if (!string.IsNullOrEmpty(path) && Path.GetFullPath(path).IndexOfAny(FilterSpecial) >= 0)
            {
                failures.Add($"Simulator:{key} must not contain any of : ' \\ , ; [ ] (ffmpeg filter syntax); it is {path}.");
            }
        }

        if (options.MaxConcurrentEncodes is < 1 or > 16)
        {
            failures.Add($"Simulator:MaxConcurrentEncodes must be between 1 and 16; it is {options.MaxConcurrentEncodes}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
