using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Conferencing.Sip.Tests.Interop;

/// <summary>
/// A UDP middlebox on loopback between our user agent and a peer that drops the first N INVITEs, ACKs
/// and BYEs on the way in and the first N 200s to INVITE on the way back, so retransmission is
/// exercised against a real peer deterministically. It record-routes responses to INVITE, so the ACK
/// and BYE of the dialog come through it too instead of going straight to the peer's Contact.
/// </summary>
internal sealed class LossyRelay : IAsyncDisposable
{
    private readonly UdpClient _front = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly UdpClient _back = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly IPEndPoint _peer;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _forward;
    private readonly Task _backward;
    private IPEndPoint? _client;
    private int _dropInvites;
    private int _dropOks;
    private int _dropAcks;
    private int _dropByes;
    private int _forwardedAcks;

    public LossyRelay(IPEndPoint peer, int dropInvites = 0, int dropOks = 0, int dropAcks = 0, int dropByes = 0)
    {
        _peer = peer;
        _dropInvites = dropInvites;
        _dropOks = dropOks;
        _dropAcks = dropAcks;
        _dropByes = dropByes;
        _forward = Task.Run(ForwardAsync);
        _backward = Task.Run(BackwardAsync);
    }

    public IPEndPoint EndPoint => (IPEndPoint)_front.Client.LocalEndPoint!;

    public int DroppedInvites { get; private set; }

    public int DroppedOks { get; private set; }

    public int DroppedAcks { get; private set; }

    public int DroppedByes { get; private set; }

    /// <summary>ACKs passed on to the peer.</summary>
    public int ForwardedAcks => Volatile.Read(ref _forwardedAcks);

    /// <summary>200 responses to INVITE passed back to the client (retransmissions included).</summary>
    public int ForwardedOks { get; private set; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _front.Dispose();
        _back.Dispose();
        await Task.WhenAll(_forward, _backward).ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private async Task ForwardAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult packet;
            try
            {
                packet = await _front.ReceiveAsync(_stop.Token);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionRefused)
            {
                // An ICMP port unreachable for an earlier send (the peer not listening yet): not the end.
                continue;
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _client = packet.RemoteEndPoint;
            var text = Encoding.ASCII.GetString(packet.Buffer);
            if (text.StartsWith("INVITE ", StringComparison.Ordinal) && Interlocked.Decrement(ref _dropInvites) >= 0)
            {
                DroppedInvites++;
                continue;
            }

            if (text.StartsWith("ACK ", StringComparison.Ordinal) && Interlocked.Decrement(ref _dropAcks) >= 0)
            {
                DroppedAcks++;
                continue;
            }

            if (text.StartsWith("BYE ", StringComparison.Ordinal) && Interlocked.Decrement(ref _dropByes) >= 0)
            {
                DroppedByes++;
                continue;
            }

            if (text.StartsWith("ACK ", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _forwardedAcks);
            }

            await _back.SendAsync(packet.Buffer, _peer);
        }
    }

    private async Task BackwardAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult packet;
            try
            {
                packet = await _back.ReceiveAsync(_stop.Token);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionRefused)
            {
                continue;
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            var text = Encoding.ASCII.GetString(packet.Buffer);
            var okToInvite = text.StartsWith("SIP/2.0 200", StringComparison.Ordinal) && text.Contains(" INVITE\r\n", StringComparison.Ordinal);
            if (okToInvite && Interlocked.Decrement(ref _dropOks) >= 0)
            {
                DroppedOks++;
                continue;
            }

            if (okToInvite)
            {
                ForwardedOks++;
            }

            var buffer = packet.Buffer;
            if (text.StartsWith("SIP/2.0 ", StringComparison.Ordinal) && text.Contains(" INVITE\r\n", StringComparison.Ordinal))
            {
                var lineEnd = text.IndexOf("\r\n", StringComparison.Ordinal) + 2;
                buffer = Encoding.ASCII.GetBytes(text[..lineEnd] + $"Record-Route: <sip:{EndPoint};lr>\r\n" + text[lineEnd..]);
            }

            if (_client is { } client)
            {
                await _front.SendAsync(buffer, client);
            }
        }
    }
}
