using System.Globalization;

namespace Conferencing.Testing;

/// <summary>A sipp room system answering the relay, with its media on probes.</summary>
public sealed class SippEndpoint : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    public SippEndpoint(string scenario, int videoPayloadType)
    {
        (AudioRtp, AudioRtcp) = UdpProbe.Pair();
        (VideoRtp, VideoRtcp) = UdpProbe.Pair();
        Port = Sipp.FreeUdpPort();
        Run = Sipp.RunAsync(scenario, null, Port, Timeout, null,
            "-key", "aport", AudioRtp.Port.ToString(CultureInfo.InvariantCulture),
            "-key", "vport", VideoRtp.Port.ToString(CultureInfo.InvariantCulture),
            "-key", "vpt", videoPayloadType.ToString(CultureInfo.InvariantCulture));
    }

    public int Port { get; }

    public Task<Sipp.Result> Run { get; }

    public UdpProbe AudioRtp { get; }

    public UdpProbe AudioRtcp { get; }

    public UdpProbe VideoRtp { get; }

    public UdpProbe VideoRtcp { get; }

    /// <summary>The relay's video port whose packets the checks look at.</summary>
    public int RelayVideoPort { get; set; }

    public string Uri(string user) => $"sip:{user}@127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    public void Dispose()
    {
        AudioRtp.Dispose();
        AudioRtcp.Dispose();
        VideoRtp.Dispose();
        VideoRtcp.Dispose();
    }
}
