namespace Conferencing.Relay.Media.Mixing;

/// <summary>One heard source in one frame, as <see cref="PictureFollower"/> reads it.</summary>
/// <param name="Key">The source (<see cref="MixSource.Key"/>).</param>
/// <param name="Speaking">Voice activity says it speaks (with its own hysteresis: 40 ms on, 600 ms off).</param>
/// <param name="Db">Its speech level, the smoothed one open discussion ranks by.</param>
/// <param name="Eligible">Its picture may be shown (not a child relay without the floor).</param>
internal readonly record struct SpeakerSample(int Key, bool Speaking, double Db, bool Eligible);

/// <summary>
/// Who the picture shows in open discussion, one decision per 20 ms frame: the loudest speaking
/// eligible source once it has been the loudest for <c>holdFrames</c> frames without a break. The
/// source in the picture keeps it while it speaks and is within <c>marginDb</c> of the loudest
/// (hysteresis: two sites of about the same level do not take turns), and after it falls quiet
/// until another has held the lead for the hold time (voice switching: the last speaker stays).
/// Pure and allocation-free: the mix thread feeds it, the relay carries out its answer.
/// </summary>
internal sealed class PictureFollower
{
    /// <summary>Nobody: the picture is the program's.</summary>
    public const int None = -1;

    private readonly int _holdFrames;
    private readonly double _marginDb;
    private int _challenger = None;
    private int _challengerFrames;

    public PictureFollower(int holdFrames, double marginDb)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(holdFrames, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(marginDb);
        _holdFrames = holdFrames;
        _marginDb = marginDb;
    }

    /// <summary>The source in the picture, or <see cref="None"/> for the program.</summary>
    public int Current { get; private set; } = None;

    /// <summary>Back to the program (the source in the picture was muted or left, or following stopped).</summary>
    public void Reset()
    {
        Current = None;
        _challenger = None;
        _challengerFrames = 0;
    }

    /// <summary>Takes one frame's heard sources; returns true when <see cref="Current"/> changed.</summary>
    public bool Update(ReadOnlySpan<SpeakerSample> heard)
    {
        int loudest = None;
        double loudestDb = double.NegativeInfinity;
        bool currentSpeaks = false;
        double currentDb = double.NegativeInfinity;
        foreach (SpeakerSample s in heard)
        {
            if (!s.Eligible || !s.Speaking)
            {
                continue;
            }

            if (s.Key == Current)
            {
                currentSpeaks = true;
                currentDb = s.Db;
            }

            if (s.Db > loudestDb)
            {
                loudest = s.Key;
                loudestDb = s.Db;
            }
        }

        if (currentSpeaks && loudestDb < currentDb + _marginDb)
        {
            loudest = Current;
        }

        if (loudest == None || loudest == Current)
        {
            _challenger = None;
            _challengerFrames = 0;
            return false;
        }

        if (loudest != _challenger)
        {
            _challenger = loudest;
            _challengerFrames = 0;
        }

        if (++_challengerFrames < _holdFrames)
        {
            return false;
        }

        Current = loudest;
        _challenger = None;
        _challengerFrames = 0;
        return true;
    }
}
