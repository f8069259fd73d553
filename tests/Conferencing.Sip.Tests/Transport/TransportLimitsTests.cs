using System.Net;
using System.Net.Sockets;
using System.Text;
using Conferencing.Sip.Stack;
using Conferencing.Sip.Transport;
using Conferencing.Sip.UserAgent;

namespace Conferencing.Sip.Tests.Transport;

/// <summary>What a hostile peer can make the stack hold: connections, idle sockets, huge messages, transactions.</summary>
public sealed class TransportLimitsTests
{
    private static SipUserAgent Agent(SipStackOptions stack) => new(new SipUserAgentOptions { User = "registrar", Stack = stack });

    private static byte[] Options(string callId, string transport = "TCP", string host = "127.0.0.1:9", int padding = 0) => Encoding.ASCII.GetBytes(
        $"OPTIONS sip:registrar@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/{transport} {host};branch=z9hG4bK{callId};rport\r\nMax-Forwards: 70\r\n" +
        $"From: <sip:probe@127.0.0.1>;tag=p{callId}\r\nTo: <sip:registrar@127.0.0.1>\r\nCall-ID: {callId}\r\nCSeq: 1 OPTIONS\r\n" +
        (padding > 0 ? $"X-Padding: {new string('x', padding)}\r\n" : "") + "Content-Length: 0\r\n\r\n");

    private static async Task<Socket> ConnectAsync(SipUserAgent agent)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(agent.Stack.TcpEndPoint!.Value.Address).DefaultTimeout();
        return socket;
    }

    /// <summary>Reads until the peer closes; true when it did (rather than sending more).</summary>
    private static async Task<bool> ClosedByPeerAsync(Socket socket)
    {
        var buffer = new byte[4096];
        while (true)
        {
            int read;
            try
            {
                read = await socket.ReceiveAsync(buffer, SocketFlags.None).DefaultTimeout();
            }
            catch (SocketException)
            {
                return true;
            }

            if (read == 0)
            {
                return true;
            }
        }
    }

    private static async Task<string> ExchangeAsync(Socket socket, byte[] request)
    {
        await socket.SendAsync(request, SocketFlags.None).DefaultTimeout();
        var buffer = new byte[8192];
        var text = new StringBuilder();
        while (!text.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None).DefaultTimeout();
            Assert.NotEqual(0, read);
            text.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return text.ToString();
    }

    [Fact]
    public async Task ConnectionsPastThePerAddressCapAreClosedAndTheOthersServed()
    {
        await using var agent = Agent(new SipStackOptions { MaxTcpConnectionsPerAddress = 3 });
        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                sockets.Add(await ConnectAsync(agent));
                await ExchangeAsync(sockets[^1], Options($"kept-{i}"));
            }

            using var fourth = await ConnectAsync(agent);
            Assert.True(await ClosedByPeerAsync(fourth));
            Assert.Equal(1, agent.Stack.Transport.RefusedConnections);
            Assert.StartsWith("SIP/2.0 200", await ExchangeAsync(sockets[0], Options("still-served")), StringComparison.Ordinal);
            Assert.Equal(3, agent.Stack.Transport.OpenConnections);
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task ConnectionsPastTheTotalCapAreClosed()
    {
        await using var agent = Agent(new SipStackOptions { MaxTcpConnections = 2 });
        using var first = await ConnectAsync(agent);
        using var second = await ConnectAsync(agent);
        await ExchangeAsync(first, Options("total-1"));
        await ExchangeAsync(second, Options("total-2"));
        using var third = await ConnectAsync(agent);
        Assert.True(await ClosedByPeerAsync(third));
    }

    [Fact]
    public async Task AnIdleConnectionIsClosed()
    {
        await using var agent = Agent(new SipStackOptions { TcpIdleTimeout = TimeSpan.FromMilliseconds(400) });
        using var socket = await ConnectAsync(agent);
        Assert.StartsWith("SIP/2.0 200", await ExchangeAsync(socket, Options("idle")), StringComparison.Ordinal);
        Assert.True(await ClosedByPeerAsync(socket));
        await TaskTimeouts.WaitUntilAsync(() => agent.Stack.Transport.OpenConnections == 0).DefaultTimeout();
    }

    [Fact]
    public async Task AStreamMessageOverTheSizeCapClosesTheConnectionBeforeItsBodyComes()
    {
        await using var agent = Agent(new SipStackOptions { MaxMessageBytes = 4096 });
        var reports = new List<string>();
        agent.Stack.MalformedReceived += (_, reason) => { lock (reports) { reports.Add(reason); } };
        using var socket = await ConnectAsync(agent);
        var head = Encoding.ASCII.GetString(Options("huge")).Replace("Content-Length: 0", "Content-Length: 100000", StringComparison.Ordinal);
        await socket.SendAsync(Encoding.ASCII.GetBytes(head), SocketFlags.None).DefaultTimeout();
        Assert.True(await ClosedByPeerAsync(socket));
        lock (reports)
        {
            Assert.Contains(reports, r => r.Contains("larger than the 4096", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task AnOversizedDatagramIsAnswered413()
    {
        await using var agent = Agent(new SipStackOptions { MaxMessageBytes = 4096 });
        using var peer = new RawPeer();
        await peer.SendAsync(Options("big-datagram", "UDP", peer.EndPoint.ToString(), padding: 5000), agent.Stack.UdpEndPoint).DefaultTimeout();
        Assert.Equal(413, (await peer.ReceiveFinalAsync("OPTIONS").DefaultTimeout()).StatusCode);
        await peer.SendAsync(Options("small-datagram", "UDP", peer.EndPoint.ToString()), agent.Stack.UdpEndPoint).DefaultTimeout();
        Assert.Equal(200, (await peer.ReceiveFinalAsync("OPTIONS").DefaultTimeout()).StatusCode);
    }

    [Fact]
    public async Task ServerTransactionsStayWithinTheirCapAndEveryRequestIsAnswered()
    {
        await using var agent = Agent(new SipStackOptions { MaxServerTransactions = 50 });
        using var peer = new RawPeer();
        var peak = 0;
        for (var i = 0; i < 300; i++)
        {
            await peer.SendAsync(Options($"many-{i}", "UDP", peer.EndPoint.ToString()), agent.Stack.UdpEndPoint).DefaultTimeout();
            var response = await peer.ReceiveFinalAsync("OPTIONS").DefaultTimeout();
            Assert.Equal((200, $"many-{i}"), (response.StatusCode, response.CallId));
            peak = Math.Max(peak, agent.Stack.ServerTransactions);
        }

        Assert.InRange(peak, 1, 50);
    }
}
