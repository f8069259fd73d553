using Conferencing.Sip.Rtp;

namespace Conferencing.Server.Simulator;

/// <summary>One picture of a simulated camera's clip: its NAL units (without start codes) and whether it is an IDR.</summary>
public sealed record SimulatedVideoFrame(IReadOnlyList<ReadOnlyMemory<byte>> Units, bool IsKeyframe);

/// <summary>
/// A short looping H.264 clip (constrained baseline, every GOP opening with SPS, PPS and an IDR), so
/// a simulated camera can loop it forever: each IDR is a clean start for a decoder.
/// </summary>
public sealed class SimulatedVideoClip
{
    private SimulatedVideoClip(IReadOnlyList<SimulatedVideoFrame> frames, int framesPerSecond)
    {
        Frames = frames;
        FramesPerSecond = framesPerSecond;
    }

    public IReadOnlyList<SimulatedVideoFrame> Frames { get; }

    public int FramesPerSecond { get; }

    /// <summary>The first keyframe at or after <paramref name="index"/>, wrapping round: where a camera asked for a keyframe jumps to.</summary>
    public int NextKeyframe(int index)
    {
        for (var i = 0; i < Frames.Count; i++)
        {
            var at = (index + i) % Frames.Count;
            if (Frames[at].IsKeyframe)
            {
                return at;
            }
        }

        return 0;
    }

    /// <summary>
    /// Reads an Annex B stream into pictures: a picture ends before the next access unit delimiter,
    /// SEI, SPS, PPS or first slice of the next picture. SEI and delimiters are dropped (the camera
    /// writes its own SEI). Null when the stream has no IDR to start at.
    /// </summary>
    public static SimulatedVideoClip? Parse(byte[] annexB, int framesPerSecond)
    {
        var frames = new List<SimulatedVideoFrame>();
        var units = new List<ReadOnlyMemory<byte>>();
        var hasSlice = false;
        var keyframe = false;
        foreach (var nal in H264Packetizer.SplitAnnexB(annexB))
        {
            var type = nal.Span[0] & 0x1F;
            var startsPicture = type is 6 or 7 or 8 or 9 || (type is 1 or 5 && nal.Length > 1 && (nal.Span[1] & 0x80) != 0);
            if (startsPicture && hasSlice)
            {
                frames.Add(new SimulatedVideoFrame(units, keyframe));
                units = [];
                hasSlice = false;
                keyframe = false;
            }

            if (type is 6 or 9)
            {
                continue;
            }

            units.Add(nal);
            if (type is 1 or 5)
            {
                hasSlice = true;
                keyframe |= type == 5;
            }
        }

        if (hasSlice)
        {
            frames.Add(new SimulatedVideoFrame(units, keyframe));
        }

        return frames.Count > 0 && frames[0].IsKeyframe && frames[0].Units.Any(u => (u.Span[0] & 0x1F) == 7)
            ? new SimulatedVideoClip(frames, framesPerSecond)
            : null;
    }
}
