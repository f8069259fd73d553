namespace Conferencing.Relay;

/// <summary>The audio mix at a root relay (<c>Relay:AudioMix</c>), validated with <see cref="RelayOptions"/>.</summary>
public sealed class AudioMixOptions
{
    /// <summary>The default of <see cref="MaxSpeakers"/>.</summary>
    public const int DefaultMaxSpeakers = 3;

    /// <summary>The default of <see cref="MinDelay"/>.</summary>
    public static readonly TimeSpan DefaultMinDelay = TimeSpan.FromMilliseconds(40);

    /// <summary>The default of <see cref="MaxDelay"/>.</summary>
    public static readonly TimeSpan DefaultMaxDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>How many sites open discussion lets be heard at once besides the chair and the floor. The default is 3.</summary>
    public int MaxSpeakers { get; set; } = DefaultMaxSpeakers;

    /// <summary>The least delay of each contributor's jitter buffer. The default is 40 ms.</summary>
    public TimeSpan MinDelay { get; set; } = DefaultMinDelay;

    /// <summary>The most delay each contributor's jitter buffer grows to. The default is 200 ms.</summary>
    public TimeSpan MaxDelay { get; set; } = DefaultMaxDelay;

    internal int MinDelayFrames => Math.Max(1, (int)(MinDelay.TotalMilliseconds / Media.Mixing.AudioCodec.FrameMilliseconds));

    internal int MaxDelayFrames => Math.Max(MinDelayFrames, (int)(MaxDelay.TotalMilliseconds / Media.Mixing.AudioCodec.FrameMilliseconds));

    internal IEnumerable<string> Validate()
    {
        if (MaxSpeakers is < 0 or > 16)
        {
            yield return "Relay:AudioMix:MaxSpeakers must be between 0 and 16.";
        }

        if (MinDelay < TimeSpan.FromMilliseconds(20) || MinDelay > TimeSpan.FromMilliseconds(500))
        {
            yield return "Relay:AudioMix:MinDelay must be between 20 ms and 500 ms.";
        }

        if (MaxDelay < MinDelay || MaxDelay > TimeSpan.FromMilliseconds(600))
        {
            yield return "Relay:AudioMix:MaxDelay must be between MinDelay and 600 ms.";
        }
    }
}
