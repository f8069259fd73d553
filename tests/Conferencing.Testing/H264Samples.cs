using Conferencing.Sip.Rtp;

namespace Conferencing.Testing;

/// <summary>Small H.264 RTP payloads (RFC 6184) for the media tests: parameter sets, IDR and P slices, FU-A fragments.</summary>
public static class H264Samples
{
    public static readonly byte[] Sps = [0x67, 0x42, 0xE0, 0x1F, 0x8D, 0x68, 0x0A, 0x03, 0xDA, 0x10];
    public static readonly byte[] Pps = [0x68, 0xCE, 0x3C, 0x80];
    public static readonly byte[] Idr = [0x65, 0x88, 0x84, 0x00, 0x33, 0xFF, 0x01, 0x02, 0x03];
    public static readonly byte[] PSlice = [0x41, 0x9A, 0x02, 0x04, 0x05, 0x06];

    /// <summary>STAP-A with SPS and PPS, how many encoders put them in front of an IDR.</summary>
    public static byte[] StapA(params byte[][] nals)
    {
        var payload = new List<byte> { 0x78 };
        foreach (byte[] nal in nals)
        {
            payload.Add((byte)(nal.Length >> 8));
            payload.Add((byte)nal.Length);
            payload.AddRange(nal);
        }

        return [.. payload];
    }

    /// <summary>FU-A fragment of an IDR: start, middle or end.</summary>
    public static byte[] IdrFragment(bool start, bool end) => [0x7C, (byte)(0x05 | (start ? 0x80 : 0) | (end ? 0x40 : 0)), 0x11, 0x22, 0x33];

    public static byte[] Packet(int payloadType, ushort sequence, uint timestamp, uint ssrc, byte[] payload, bool marker = false)
    {
        var packet = new byte[RtpPacket.FixedHeaderLength + payload.Length];
        new RtpHeader(payloadType, sequence, timestamp, ssrc, marker).WriteTo(packet);
        payload.CopyTo(packet, RtpPacket.FixedHeaderLength);
        return packet;
    }

    public static H264PayloadInfo Classify(byte[] packet)
    {
        RtpPacket.TryRead(packet, out RtpPacket rtp);
        return H264Payload.Classify(rtp.Payload);
    }
}
