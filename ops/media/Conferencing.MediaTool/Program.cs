using System.Buffers.Binary;
using System.Globalization;
using Conferencing.Sip.Rtp;

namespace Conferencing.MediaTool;

/// <summary>
/// Packetizes test media into RTP and writes it as pcap files that sipp replays
/// (play_pcap_video / play_pcap_audio): H.264 Annex B per RFC 6184 mode 1 (SPS and PPS in a
/// STAP-A, slices as single NAL units or FU-A fragments), G.711 µ-law in 20 ms packets.
/// <c>pcap --h264 in.h264 --fps 25 --mulaw in.ul --video out-video.pcap --audio out-audio.pcap [--csrc HEX] [--video-pt 96]</c>
/// </summary>
internal static class Program
{
    private const int MaxPayload = 1200;

    public static int Main(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 1; i + 1 < args.Length; i += 2)
        {
            options[args[i]] = args[i + 1];
        }

        if (args.Length == 0 || args[0] != "pcap" || !options.ContainsKey("--h264") || !options.ContainsKey("--video"))
        {
            Console.Error.WriteLine("usage: pcap --h264 in.h264 --fps 25 --video out.pcap [--mulaw in.ul --audio out.pcap] [--csrc HEX] [--video-pt 96]");
            return 2;
        }

        int fps = int.Parse(options.GetValueOrDefault("--fps", "25"), CultureInfo.InvariantCulture);
        int videoPt = int.Parse(options.GetValueOrDefault("--video-pt", "96"), CultureInfo.InvariantCulture);
        uint[] csrcs = options.TryGetValue("--csrc", out string? csrc) ? [uint.Parse(csrc, NumberStyles.HexNumber, CultureInfo.InvariantCulture)] : [];
        int frames = WriteVideo(File.ReadAllBytes(options["--h264"]), fps, videoPt, csrcs, options["--video"]);
        Console.WriteLine($"video: {frames} frames");
        if (options.TryGetValue("--mulaw", out string? mulaw) && options.TryGetValue("--audio", out string? audio))
        {
            int packets = WriteAudio(File.ReadAllBytes(mulaw), csrcs, audio);
            Console.WriteLine($"audio: {packets} packets");
        }

        return 0;
    }

    private static int WriteVideo(byte[] annexB, int fps, int payloadType, uint[] csrcs, string path)
    {
        using var pcap = new PcapWriter(path);
        var rtp = new RtpStream(payloadType, 0x5EED0001, csrcs);
        var pending = new List<byte[]>();
        var slices = new List<byte[]>();
        int frame = 0;

        void Flush()
        {
            if (slices.Count == 0)
            {
                return;
            }

            uint timestamp = (uint)(frame * 90000L / fps);
            long micros = frame * 1_000_000L / fps;

            // Paced like a room system's encoder: a frame's packets spread over most of the frame
            // interval, not one burst (a keyframe is ~70 packets at 2 Mbit/s).
            var packets = new List<byte[]>();
            if (pending.Count > 0)
            {
                packets.Add(rtp.Packet(StapA(pending), timestamp, marker: false));
                pending.Clear();
            }

            for (int s = 0; s < slices.Count; s++)
            {
                packets.AddRange(Packetize(rtp, slices[s], timestamp, lastOfFrame: s == slices.Count - 1));
            }

            long spacing = 800_000L / fps / Math.Max(1, packets.Count);
            for (int p = 0; p < packets.Count; p++)
            {
                pcap.Write(micros + (p * spacing), packets[p]);
            }

            slices.Clear();
            frame++;
        }

        foreach (byte[] nal in SplitNalUnits(annexB))
        {
            int type = nal[0] & 0x1F;
            if (type is 1 or 5)
            {
                // first_mb_in_slice is ue(v) right after the NAL header; 0 codes as a single 1 bit: a new picture.
                if (nal.Length > 1 && (nal[1] & 0x80) != 0)
                {
                    Flush();
                }

                slices.Add(nal);
            }
            else if (type is 7 or 8)
            {
                // Parameter sets travel in a STAP-A in front of the picture they precede.
                Flush();
                pending.Add(nal);
            }
        }

        Flush();
        return frame;
    }

    private static IEnumerable<byte[]> Packetize(RtpStream rtp, byte[] nal, uint timestamp, bool lastOfFrame)
    {
        if (nal.Length <= MaxPayload)
        {
            yield return rtp.Packet(nal, timestamp, marker: lastOfFrame);
            yield break;
        }

        // FU-A (RFC 6184 5.8): indicator with the NAL's NRI, header with start/end bits and its type.
        int type = nal[0] & 0x1F;
        byte indicator = (byte)((nal[0] & 0xE0) | H264Payload.FuA);
        int offset = 1;
        while (offset < nal.Length)
        {
            int size = Math.Min(MaxPayload - 2, nal.Length - offset);
            bool start = offset == 1;
            bool end = offset + size == nal.Length;
            byte[] fragment = new byte[size + 2];
            fragment[0] = indicator;
            fragment[1] = (byte)((start ? 0x80 : 0) | (end ? 0x40 : 0) | type);
            Array.Copy(nal, offset, fragment, 2, size);
            yield return rtp.Packet(fragment, timestamp, marker: end && lastOfFrame);
            offset += size;
        }
    }

    private static int WriteAudio(byte[] mulaw, uint[] csrcs, string path)
    {
        using var pcap = new PcapWriter(path);
        var rtp = new RtpStream(0, 0x5EED0002, csrcs);
        int packets = 0;
        for (int offset = 0; offset + 160 <= mulaw.Length; offset += 160)
        {
            pcap.Write(packets * 20_000L, rtp.Packet(mulaw.AsSpan(offset, 160).ToArray(), (uint)(packets * 160), marker: packets == 0));
            packets++;
        }

        return packets;
    }

    private static byte[] StapA(List<byte[]> nals)
    {
        var payload = new List<byte> { (byte)(0x60 | H264Payload.StapA) };
        foreach (byte[] nal in nals)
        {
            payload.Add((byte)(nal.Length >> 8));
            payload.Add((byte)nal.Length);
            payload.AddRange(nal);
        }

        return [.. payload];
    }

    /// <summary>The NAL units of an Annex B stream, start codes removed.</summary>
    private static IEnumerable<byte[]> SplitNalUnits(byte[] data)
    {
        int start = -1;
        int i = 0;
        while (i + 3 <= data.Length)
        {
            if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1)
            {
                if (start >= 0)
                {
                    int end = i;
                    while (end > start && data[end - 1] == 0)
                    {
                        end--;
                    }

                    yield return data[start..end];
                }

                i += 3;
                start = i;
                continue;
            }

            i++;
        }

        if (start >= 0 && start < data.Length)
        {
            yield return data[start..];
        }
    }

    private sealed class RtpStream(int payloadType, uint ssrc, uint[] csrcs)
    {
        private ushort _sequence = 1000;

        public byte[] Packet(byte[] payload, uint timestamp, bool marker)
        {
            int header = RtpHeader.GetLength(csrcs.Length);
            byte[] packet = new byte[header + payload.Length];
            new RtpHeader(payloadType, _sequence++, timestamp, ssrc, marker).WriteTo(packet, csrcs);
            payload.CopyTo(packet, header);
            return packet;
        }
    }

    /// <summary>Classic pcap, Ethernet link type, each RTP packet in IPv4/UDP from 127.0.0.1:6000 to 127.0.0.1:6002.</summary>
    private sealed class PcapWriter : IDisposable
    {
        private readonly BinaryWriter _out;

        public PcapWriter(string path)
        {
            _out = new BinaryWriter(File.Create(path));
            _out.Write(0xA1B2C3D4u);
            _out.Write((ushort)2);
            _out.Write((ushort)4);
            _out.Write(0);
            _out.Write(0u);
            _out.Write(65535u);
            _out.Write(1u);
        }

        public void Write(long micros, byte[] udpPayload)
        {
            int length = 14 + 20 + 8 + udpPayload.Length;
            byte[] frame = new byte[length];
            frame[12] = 0x08; // EtherType IPv4
            Span<byte> ip = frame.AsSpan(14, 20);
            ip[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + 8 + udpPayload.Length));
            ip[8] = 64;
            ip[9] = 17;
            byte[] loopback = [127, 0, 0, 1];
            loopback.CopyTo(ip[12..]);
            loopback.CopyTo(ip[16..]);
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum(ip));
            Span<byte> udp = frame.AsSpan(34, 8);
            BinaryPrimitives.WriteUInt16BigEndian(udp, 6000);
            BinaryPrimitives.WriteUInt16BigEndian(udp[2..], 6002);
            BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(8 + udpPayload.Length));
            udpPayload.CopyTo(frame, 42);
            _out.Write((uint)(micros / 1_000_000));
            _out.Write((uint)(micros % 1_000_000));
            _out.Write((uint)length);
            _out.Write((uint)length);
            _out.Write(frame);
        }

        public void Dispose() => _out.Dispose();

        private static ushort Checksum(ReadOnlySpan<byte> header)
        {
            uint sum = 0;
            for (int i = 0; i < header.Length; i += 2)
            {
                sum += BinaryPrimitives.ReadUInt16BigEndian(header[i..]);
            }

            while (sum >> 16 != 0)
            {
                sum = (sum & 0xFFFF) + (sum >> 16);
            }

            return (ushort)~sum;
        }
    }
}
