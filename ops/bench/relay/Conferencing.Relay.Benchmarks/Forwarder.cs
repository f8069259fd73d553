using System.Net;
using System.Runtime.InteropServices;
using Conferencing.Relay.Media;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conferencing.Relay.Benchmarks;

/// <summary>
/// The relay's real packet path in a process of its own: one meeting's video channel, the source
/// leg at the generator's address, N legs at 127.0.x.y:SINK. No SIP (legs are set up directly),
/// nothing else running, so the process's CPU time is the forwarding's.
/// </summary>
internal static class Forwarder
{
    public static int Run(int legs, int sinkPort, int sourcePort, bool batched)
    {
        var options = new RelayOptions
        {
            Name = "bench",
            Sip = "127.0.0.1:0",
            MediaAddress = "127.0.0.1",
            MediaPorts = "0",
            BatchedSend = batched,
            SocketBufferBytes = 4 << 20,
        };
        var allocator = new MediaPortAllocator(IPAddress.Loopback, (0, 0), options.SocketBufferBytes);
        using var media = new MeetingMedia("1", MediaProfile.Default, options, allocator, NullLogger.Instance, TimeProvider.System);
        media.Start();
        LegMedia source = Leg("central", new IPEndPoint(IPAddress.Loopback, sourcePort));
        media.Add(source);
        var receivers = new List<LegMedia>(legs);
        for (int k = 0; k < legs; k++)
        {
            var address = new IPAddress(new byte[] { 127, 0, (byte)(k / 250), (byte)((k % 250) + 1) });
            LegMedia leg = Leg("leg" + k, new IPEndPoint(address, sinkPort));
            receivers.Add(leg);
            media.Add(leg);
        }

        media.SetProgram(source, null);
        using var stop = new ManualResetEventSlim();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Set();
        });
        long allocated = 0;
        long pathAllocated = 0;
        int collections = 0;

        // SIGUSR1 ends the warm-up (JIT tiering, first-packet set-up): counts and allocation are taken from there.
        using var mark = PosixSignalRegistration.Create((PosixSignal)10, context =>
        {
            context.Cancel = true;
            allocated = GC.GetTotalAllocatedBytes(precise: true);
            pathAllocated = media.Video!.PacketPathAllocatedBytes;
            collections = GC.CollectionCount(0);
            Console.WriteLine($"mark {source.Video!.PacketsIn} {receivers.Sum(r => r.Video!.PacketsOut)}");
            Console.Out.Flush();
        });
        Console.WriteLine($"ready {media.Video!.RtpPort}");
        Console.Out.Flush();
        stop.Wait();

        long allocatedDuring = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        long packetsIn = source.Video!.PacketsIn;
        long packetsOut = receivers.Sum(r => r.Video!.PacketsOut);
        Console.WriteLine($"forwarded {packetsIn} {packetsOut} allocated {allocatedDuring} path {media.Video.PacketPathAllocatedBytes - pathAllocated} gc0 {GC.CollectionCount(0) - collections} syscalls {media.Video.SystemCalls} errors {media.Video.SendErrors}");
        Console.Out.Flush();
        return 0;
    }

    private static LegMedia Leg(string id, IPEndPoint endPoint)
    {
        var leg = new LegMedia(id) { NegotiatedKeyframeMethod = KeyframeMethod.Pli };
        var video = new LegStream(leg, MediaKind.Video, 90000, endPoint, endPoint, rtcpMux: true);
        video.CodecOfPayloadType[96] = 0;
        video.PayloadTypeOfCodec[0] = 96;
        leg.Video = video;
        return leg;
    }
}
