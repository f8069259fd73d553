namespace Conferencing.Relay.Media.Mixing;

/// <summary>
/// Voice activity with hysteresis, from each frame's level: a source starts speaking after
/// <see cref="OnFrames"/> frames above <see cref="OnDb"/>, and stops after <see cref="HangoverFrames"/>
/// frames below <see cref="OffDb"/>, so a pause between words does not drop it from the mix and
/// a cough does not bring it in.
/// </summary>
internal struct VoiceActivity
{
    /// <summary>Level a frame needs to count toward speech.</summary>
    public const double OnDb = -42;

    /// <summary>Level under which a frame counts toward silence.</summary>
    public const double OffDb = -50;

    /// <summary>Frames above <see cref="OnDb"/> before speech starts (40 ms).</summary>
    public const int OnFrames = 2;

    /// <summary>Frames below <see cref="OffDb"/> before speech ends (600 ms).</summary>
    public const int HangoverFrames = 30;

    private int _above;
    private int _below;

    /// <summary>True while the source speaks.</summary>
    public bool Speaking { get; private set; }

    /// <summary>Takes one frame's level; returns whether the source speaks.</summary>
    public bool Update(double levelDb)
    {
        if (levelDb >= OnDb)
        {
            _above++;
            _below = 0;
        }
        else if (levelDb < OffDb)
        {
            _below++;
            _above = 0;
        }
        else
        {
            _above = 0;
            _below = 0;
        }

        if (!Speaking && _above >= OnFrames)
        {
            Speaking = true;
        }
        else if (Speaking && _below >= HangoverFrames)
        {
            Speaking = false;
        }

        return Speaking;
    }

    /// <summary>The level of a frame in dBFS (-96 for digital silence).</summary>
    public static double Level(ReadOnlySpan<short> frame)
    {
        long sum = 0;
        foreach (short s in frame)
        {
            sum += s * s;
        }

        double rms = Math.Sqrt((double)sum / Math.Max(1, frame.Length));
        return rms < 0.5 ? -96 : Math.Max(-96, 20 * Math.Log10(rms / 32768));
    }
}
