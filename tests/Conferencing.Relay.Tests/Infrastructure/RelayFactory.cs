using System.Net;
using System.Net.Sockets;
using Xunit.Abstractions;

namespace Conferencing.Relay.Tests.Infrastructure;

internal static class RelayFactory
{
    public static RelayOptions Options(string name = "province", string digest = "MD5") => new()
    {
        Name = name,
        Sip = "127.0.0.1:0",
        MediaAddress = "127.0.0.1",
        MediaPorts = "0",
        DigestAlgorithm = digest,
        SocketBufferBytes = 1 << 20,
    };

    public static async Task<RelayNode> StartAsync(ITestOutputHelper output, RelayOptions? options = null)
    {
        var node = new RelayNode(options ?? Options(), TestOutputLoggerProvider.Factory(output));
        await node.StartAsync();
        return node;
    }

    /// <summary>Waits until something (sipp, baresip) has bound UDP <paramref name="port"/> on loopback.</summary>
    public static Task WaitUntilBound(int port) => TaskTimeouts.Until(() =>
    {
        try
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }, $"UDP port {port} to be bound");
}
