using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Conferencing.Sip.Rtp;

namespace Conferencing.Testing;

/// <summary>One received datagram.</summary>
public sealed record Received(byte[] Data, IPEndPoint From, DateTime At)
{
    public ushort Sequence => RtpPacket.TryRead(Data, out RtpPacket p) ? p.SequenceNumber : (ushort)0;

    public uint Timestamp => RtpPacket.TryRead(Data, out RtpPacket p) ? p.Timestamp : 0;

    public uint Ssrc => RtpPacket.TryRead(Data, out RtpPacket p) ? p.Ssrc : 0;

    public int PayloadType => RtpPacket.TryRead(Data, out RtpPacket p) ? p.PayloadType : -1;

    public bool Marker => RtpPacket.TryRead(Data, out RtpPacket p) && p.Marker;

    public byte[] Payload => RtpPacket.TryRead(Data, out RtpPacket p) ? p.Payload.ToArray() : [];

    public int CsrcCount => Data[0] & 0x0F;
}

/// <summary>
/// A UDP socket on loopback that records every datagram it receives, on a background thread: the
/// far end of a leg in media tests, or the media port behind a sipp endpoint.
/// </summary>
public sealed class UdpProbe : IDisposable
{
    private readonly Thread _thread;
    private volatile bool _stopping;

    public UdpProbe(int port = 0)
    {
        Socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 4 * 1024 * 1024 };
        Socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
        Socket.ReceiveTimeout = 200;
        _thread = new Thread(Loop) { IsBackground = true, Name = "probe " + Port };
        _thread.Start();
    }

    public Socket Socket { get; }

    public IPEndPoint EndPoint => (IPEndPoint)Socket.LocalEndPoint!;

    public int Port => EndPoint.Port;

    public ConcurrentQueue<Received> Packets { get; } = new();

    public List<Received> Snapshot() => [.. Packets];

    public void Send(byte[] datagram, IPEndPoint to) => Socket.SendTo(datagram, to);

    public void Clear() => Packets.Clear();

    public Task WaitForCount(int count, string what) => TaskTimeouts.Until(() => Packets.Count >= count, $"{count} packets at {what} (got {Packets.Count})");

    public void Dispose()
    {
        _stopping = true;
        _thread.Join(TimeSpan.FromSeconds(2));
        Socket.Dispose();
    }

    /// <summary>Binds a probe whose port is even and whose next port is free for its RTCP twin.</summary>
    public static (UdpProbe Rtp, UdpProbe Rtcp) Pair()
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            var rtp = new UdpProbe();
            try
            {
                return (rtp, new UdpProbe(rtp.Port + 1));
            }
            catch (SocketException)
            {
                rtp.Dispose();
            }
        }

        throw new InvalidOperationException("no adjacent UDP ports");
    }

    private void Loop()
    {
        var buffer = new byte[4096];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        while (!_stopping)
        {
            try
            {
                int n = Socket.ReceiveFrom(buffer, ref from);
                Packets.Enqueue(new Received(buffer[..n], (IPEndPoint)from, DateTime.UtcNow));
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
                return;
            }
        }
    }
}

/// <summary>Checks on the RTP stream a probe received.</summary>
public static class StreamChecks
{
    /// <summary>The RTP packets (RTCP and stray datagrams left out), in arrival order.</summary>
    public static List<Received> Rtp(this IEnumerable<Received> packets) =>
        [.. packets.Where(p => p.Data.Length >= 12 && p.Data[0] >> 6 == 2 && p.Data[1] is < 192 or > 223)];

    /// <summary>
    /// Only what came from <paramref name="port"/> (the relay's media port): a probe's port may have
    /// belonged to another test's peer a moment before, which can still be sending to it.
    /// </summary>
    public static List<Received> From(this IEnumerable<Received> packets, int port) => [.. packets.Where(p => p.From.Port == port)];

    /// <summary>Sequence, timestamp, CSRC count and H.264 classification of packets, for failure messages.</summary>
    public static string Describe(IEnumerable<Received> packets) =>
        string.Join("; ", packets.Select(p => $"seq {p.Sequence} ts {p.Timestamp} cc {p.CsrcCount} {H264Samples.Classify(p.Data)} at {p.At:HH:mm:ss.fff}"));

    /// <summary>One SSRC, every sequence number one more than the last, timestamps never going back.</summary>
    public static void AssertContinuous(IReadOnlyList<Received> packets, string what, int allowedGaps = 0)
    {
        Assert.True(packets.Count > 1, $"{what}: only {packets.Count} packets");
        Assert.Single(packets.Select(p => p.Ssrc).Distinct());
        int gaps = 0;
        for (int i = 1; i < packets.Count; i++)
        {
            ushort step = (ushort)(packets[i].Sequence - packets[i - 1].Sequence);
            int tsStep = (int)(packets[i].Timestamp - packets[i - 1].Timestamp);
            Assert.True(step >= 1 && step <= 1 + allowedGaps, $"{what}: sequence {packets[i - 1].Sequence} then {packets[i].Sequence} at packet {i}");
            Assert.True(tsStep >= 0 && tsStep < 90000 * 3, $"{what}: timestamp {packets[i - 1].Timestamp} then {packets[i].Timestamp} at packet {i}");
            if (step != 1)
            {
                gaps++;
            }
        }

        Assert.True(gaps <= allowedGaps, $"{what}: {gaps} gaps");
    }
}
