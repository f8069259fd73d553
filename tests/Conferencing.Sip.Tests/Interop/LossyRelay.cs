using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Conferencing.Sip.Tests.Interop;

/// <summary>
/// A UDP middlebox on loopback between our user agent and a peer that drops the first N INVITEs and
/// the first N 200 responses, so retransmission is exercised against a real peer deterministically.
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

    public LossyRelay(IPEndPoint peer, int dropInvites, int dropOks)
    {
        _peer = peer;
        _dropInvites = dropInvites;
        _dropOks = dropOks;
        _forward = Task.Run(ForwardAsync);
        _backward = Task.Run(BackwardAsync);
    }

    public IPEndPoint EndPoint => (IPEndPoint)_front.Client.LocalEndPoint!;

    public int DroppedInvites { get; private set; }

    public int DroppedOks { get; private set; }

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
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _client = packet.RemoteEndPoint;
            if (Encoding.ASCII.GetString(packet.Buffer).StartsWith("INVITE ", StringComparison.Ordinal) && Interlocked.Decrement(ref _dropInvites) >= 0)
            {
                DroppedInvites++;
                continue;
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
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            var text = Encoding.ASCII.GetString(packet.Buffer);
            if (text.StartsWith("SIP/2.0 200", StringComparison.Ordinal) && text.Contains(" INVITE\r\n", StringComparison.Ordinal) && Interlocked.Decrement(ref _dropOks) >= 0)
            {
                DroppedOks++;
                continue;
            }

            if (_client is { } client)
            {
                await _front.SendAsync(packet.Buffer, client);
            }
        }
    }
}
