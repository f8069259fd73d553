namespace Conferencing.Relay.Media.Mixing;

/// <summary>
/// A peak limiter for one output of the mixer. The envelope follows a peak at once and lets go
/// slowly (exponential release): the gain is never more than the threshold over the envelope, so
/// no sample passes the threshold and nothing clips, and the slow release keeps the gain from
/// pumping between syllables. Below the threshold the signal passes untouched.
/// </summary>
internal sealed class Limiter
{
    /// <summary>The ceiling: about -1 dBFS.</summary>
    public const int Threshold = 29205;

    /// <summary>Release time constant.</summary>
    public const double ReleaseSeconds = 0.15;

    private readonly float _release;
    private float _envelope;

    public Limiter(int sampleRate)
    {
        _release = (float)Math.Exp(-1.0 / (ReleaseSeconds * sampleRate));
    }

    /// <summary>The gain applied to the last sample (1 when not limiting).</summary>
    public float Gain => _envelope > Threshold ? Threshold / _envelope : 1f;

    /// <summary>Limits <paramref name="input"/> (a sum of many sources) into 16-bit <paramref name="output"/>.</summary>
    public void Process(ReadOnlySpan<int> input, Span<short> output)
    {
        float envelope = _envelope;
        for (int i = 0; i < input.Length; i++)
        {
            int x = input[i];
            float magnitude = Math.Abs((float)x);
            envelope = magnitude > envelope ? magnitude : envelope * _release;
            output[i] = envelope > Threshold ? (short)(x * (Threshold / envelope)) : (short)x;
        }

        _envelope = envelope;
    }
}
