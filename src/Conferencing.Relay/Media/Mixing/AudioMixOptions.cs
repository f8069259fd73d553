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

    /// <summary>The default of <see cref="PictureHold"/>.</summary>
    public static readonly TimeSpan DefaultPictureHold = TimeSpan.FromSeconds(2);

    /// <summary>The default of <see cref="PictureFollowsSpeaker"/>.</summary>
    public const bool DefaultPictureFollowsSpeaker = true;

    /// <summary>The default of <see cref="PictureMarginDb"/>.</summary>
    public const double DefaultPictureMarginDb = 3;

    /// <summary>
    /// In open discussion, whether the picture follows the loudest heard site (else it stays with the
    /// program, the chair or the floor), when the controller's request does not say. The default is true.
    /// </summary>
    public bool PictureFollowsSpeaker { get; set; } = DefaultPictureFollowsSpeaker;

    /// <summary>
    /// How long a site must be the loudest heard one, without a pause, before the picture moves to it:
    /// long enough that a cough or a word of assent does not move the picture. The default is 2 s.
    /// </summary>
    public TimeSpan PictureHold { get; set; } = DefaultPictureHold;

    /// <summary>
    /// How much louder (dB) than the site in the picture another must be, while that one still speaks,
    /// to count as the loudest. The default is 3 dB.
    /// </summary>
    public double PictureMarginDb { get; set; } = DefaultPictureMarginDb;

    /// <summary>How many sites open discussion lets be heard at once besides the chair and the floor. The default is 3.</summary>
    public int MaxSpeakers { get; set; } = DefaultMaxSpeakers;

    /// <summary>The least delay of each contributor's jitter buffer. The default is 40 ms.</summary>
    public TimeSpan MinDelay { get; set; } = DefaultMinDelay;

    /// <summary>The most delay each contributor's jitter buffer grows to. The default is 200 ms.</summary>
    public TimeSpan MaxDelay { get; set; } = DefaultMaxDelay;

    internal int MinDelayFrames => Math.Max(1, (int)(MinDelay.TotalMilliseconds / Media.Mixing.AudioCodec.FrameMilliseconds));

    internal int MaxDelayFrames => Math.Max(MinDelayFrames, (int)(MaxDelay.TotalMilliseconds / Media.Mixing.AudioCodec.FrameMilliseconds));

    internal int PictureHoldFrames => Math.Max(1, (int)Math.Round(PictureHold.TotalMilliseconds / Media.Mixing.AudioCodec.FrameMilliseconds));

    internal IEnumerable<string> Validate()
    {
        if (PictureHold < TimeSpan.FromMilliseconds(200) || PictureHold > TimeSpan.FromSeconds(30))
        {
            yield return "Relay:AudioMix:PictureHold must be between 200 ms and 30 s.";
        }

        if (!double.IsFinite(PictureMarginDb) || PictureMarginDb is < 0 or > 20)
        {
            yield return "Relay:AudioMix:PictureMarginDb must be between 0 and 20 dB.";
        }

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
