using System.Net;

namespace Conferencing.Relay.Media;

/// <summary>
/// An immutable picture of one channel: its streams, the address maps that tell legs apart, and the
/// program. The control side builds a new one for every change and publishes it with one write;
/// the receive threads read whichever is current without locking.
/// </summary>
internal sealed class Routing
{
    public static readonly Routing Empty = new(0, [], null, null);

    public Routing(int version, LegStream[] streams, LegMedia? program, LegMedia? returnFeed)
    {
        Version = version;
        Streams = streams;
        Program = program;
        ReturnFeed = returnFeed;
        ByRtp = new Dictionary<SocketAddress, LegStream>(streams.Length);
        ByRtcp = new Dictionary<SocketAddress, LegStream>(streams.Length);
        foreach (LegStream stream in streams)
        {
            ByRtp.TryAdd(stream.RtpAddress, stream);
            ByRtcp.TryAdd(stream.RtcpAddress, stream);
        }
    }

    /// <summary>Changes whenever who-receives-whom may have changed.</summary>
    public int Version { get; }

    public LegStream[] Streams { get; }

    public LegMedia? Program { get; }

    public LegMedia? ReturnFeed { get; }

    public Dictionary<SocketAddress, LegStream> ByRtp { get; }

    public Dictionary<SocketAddress, LegStream> ByRtcp { get; }

    /// <summary>
    /// The stream a receiver should get: the program, or for the program leg itself the return
    /// feed. Never the receiver itself.
    /// </summary>
    public LegStream? DesiredSource(LegStream receiver)
    {
        LegMedia? source = receiver.Leg == Program ? ReturnFeed : Program;
        if (source is null || source == receiver.Leg)
        {
            return null;
        }

        LegStream? stream = source.Stream(receiver.Kind);
        return stream is { Removed: false } ? stream : null;
    }
}
