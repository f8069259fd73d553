using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Conferencing.Sip.Transport;

namespace Conferencing.Sip.Tests.Transport;

public sealed class SipTransportTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static (SipTransport Transport, ChannelReader<(string Text, SipEndPoint From)> Received) Start()
    {
        var channel = Channel.CreateUnbounded<(string, SipEndPoint)>();
        var transport = new SipTransport(new IPEndPoint(IPAddress.Loopback, 0), p =>
        {
            channel.Writer.TryWrite((Encoding.UTF8.GetString(p.Data.Span), p.Remote));
            return ValueTask.CompletedTask;
        });
        return (transport, channel.Reader);
    }

    private static string Message(int n) => $"OPTIONS sip:{n}@b SIP/2.0\r\nContent-Length: 1\r\n\r\n{n % 10}";

    [Fact]
    public async Task UdpDatagramsArriveWithTheSenderAddress()
    {
        var (a, _) = Start();
        var (b, received) = Start();
        await using (a)
        await using (b)
        {
            await a.SendAsync(b.UdpEndPoint with { }, Encoding.UTF8.GetBytes(Message(1)));
            var (text, from) = await received.ReadAsync().AsTask().WaitAsync(Timeout);
            Assert.Equal(Message(1), text);
            Assert.Equal(a.UdpEndPoint.Address.Port, from.Address.Port);
            Assert.Equal(SipProtocol.Udp, from.Protocol);
        }
    }

    [Fact]
    public async Task TcpMessagesAreFramedWhateverTheSegmentBoundaries()
    {
        var (server, received) = Start();
        await using (server)
        {
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await client.ConnectAsync(server.TcpEndPoint!.Value.Address).WaitAsync(Timeout);
            var stream = Encoding.UTF8.GetBytes("\r\n\r\n" + Message(1) + Message(2) + Message(3));
            for (var i = 0; i < stream.Length; i += 7)
            {
                await client.SendAsync(stream.AsMemory(i, Math.Min(7, stream.Length - i)), SocketFlags.None).AsTask().WaitAsync(Timeout);
                await Task.Delay(1);
            }

            for (var n = 1; n <= 3; n++)
            {
                var (text, from) = await received.ReadAsync().AsTask().WaitAsync(Timeout);
                Assert.Equal(Message(n), text);
                Assert.Equal(SipProtocol.Tcp, from.Protocol);
            }
        }
    }

    [Fact]
    public async Task TcpSendsReuseTheConnectionThePeerOpened()
    {
        var (server, serverReceived) = Start();
        var (client, clientReceived) = Start();
        await using (server)
        await using (client)
        {
            await client.SendAsync(server.TcpEndPoint!.Value, Encoding.UTF8.GetBytes(Message(5)));
            var (_, from) = await serverReceived.ReadAsync().AsTask().WaitAsync(Timeout);
            await server.SendAsync(from, Encoding.UTF8.GetBytes(Message(6)));
            var (text, _) = await clientReceived.ReadAsync().AsTask().WaitAsync(Timeout);
            Assert.Equal(Message(6), text);
        }
    }

    [Fact]
    public async Task ABrokenStreamIsClosedAndReported()
    {
        var errors = Channel.CreateUnbounded<string>();
        await using var server = new SipTransport(new IPEndPoint(IPAddress.Loopback, 0), _ => ValueTask.CompletedTask,
            onStreamError: (_, e) => errors.Writer.TryWrite(e));
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(server.TcpEndPoint!.Value.Address).WaitAsync(Timeout);
        await client.SendAsync(Encoding.ASCII.GetBytes("INVITE sip:a@b SIP/2.0\r\nVia: x\r\n\r\n"), SocketFlags.None).WaitAsync(Timeout);
        Assert.Contains("Content-Length", await errors.Reader.ReadAsync().AsTask().WaitAsync(Timeout), StringComparison.Ordinal);
        var buffer = new byte[16];
        Assert.Equal(0, await client.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(Timeout));
    }
}
