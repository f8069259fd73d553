using Conferencing.Sip.Rtp;

namespace Conferencing.Server.Simulator;

/// <summary>
/// A simulated camera playing a <see cref="SimulatedVideoClip"/> in a loop: each picture's NAL
/// units with the camera's tag in an SEI in front of the slices, cut into RTP payloads by
/// <see cref="H264Packetizer"/> (small units share a STAP-A, large ones go as FU-A fragments).
/// A keyframe request jumps to the clip's next IDR. Timestamps are the caller's, so they run on
/// across loops.
/// </summary>
internal sealed class SimulatedCamera(SimulatedVideoClip clip, byte[]? tagSei)
{
    /// <summary>Payloads stay well under a 1,500-byte MTU with room for tunnels.</summary>
    public const int MaxPayloadSize = 1100;

    private readonly byte[] _payload = new byte[MaxPayloadSize];
    private readonly List<ReadOnlyMemory<byte>> _units = [];
    private int _index;

    public int FramesPerSecond => clip.FramesPerSecond;

    public delegate void PayloadSender(ReadOnlySpan<byte> payload, bool marker);

    /// <summary>Sends the next picture; true when it was a keyframe.</summary>
    public bool SendFrame(bool keyframeRequested, PayloadSender send)
    {
        if (keyframeRequested && !clip.Frames[_index].IsKeyframe)
        {
            _index = clip.NextKeyframe(_index);
        }

        var frame = clip.Frames[_index];
        _index = (_index + 1) % clip.Frames.Count;
        _units.Clear();
        foreach (var unit in frame.Units)
        {
            if (tagSei is not null && (unit.Span[0] & 0x1F) is 1 or 5 && !_units.Exists(u => (u.Span[0] & 0x1F) == 6))
            {
                _units.Add(tagSei);
            }

            _units.Add(unit);
        }

        Packetize(send);
        return frame.IsKeyframe;
    }

    private void Packetize(PayloadSender send)
    {
        // Runs of small units go in one STAP-A (a lone one as a single NAL unit packet); a unit too
        // large for a packet goes alone as FU-A fragments. The marker goes on the picture's last packet.
        var i = 0;
        while (i < _units.Count)
        {
            var first = _units[i].Span;
            if (first.Length > MaxPayloadSize - 3)
            {
                var position = 0;
                while (position < first.Length)
                {
                    var length = H264Packetizer.WriteNext(first, ref position, MaxPayloadSize, _payload);
                    send(_payload.AsSpan(0, length), i == _units.Count - 1 && position == first.Length);
                }

                i++;
                continue;
            }

            var end = i + 1;
            var size = 1 + 2 + first.Length;
            while (end < _units.Count && size + 2 + _units[end].Length <= MaxPayloadSize)
            {
                size += 2 + _units[end].Length;
                end++;
            }

            if (end == i + 1)
            {
                send(first, i == _units.Count - 1);
            }
            else
            {
                var written = H264Packetizer.BeginStapA(_payload);
                for (var k = i; k < end; k++)
                {
                    written = H264Packetizer.AppendToStapA(_payload, written, _units[k].Span);
                }

                send(_payload.AsSpan(0, written), end == _units.Count);
            }

            i = end;
        }
    }
}
