using System.Net;
using System.Net.Sockets;
using Conferencing.Devices.Visca;

namespace Conferencing.Devices.Simulation;

/// <summary>
/// A VISCA over IP camera on a real UDP socket: answers RESET, matches replies to the controller's
/// sequence number, answers a repeated sequence number from its cache without running the command
/// again, and reports a sequence number that goes backwards with the control ERROR 0F 01.
/// </summary>
public sealed class ViscaIpCameraSimulator : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Dictionary<EndPoint, (uint Sequence, byte[][] Replies)> _last = [];
    private int _drop;

    public ViscaIpCameraSimulator(IPEndPoint? bind = null)
    {
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(bind ?? new IPEndPoint(IPAddress.Loopback, 0));
        EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _loop = Task.Run(RunAsync);
    }

    public IPEndPoint EndPoint { get; }

    public SimulatedCamera Camera { get; } = new();

    /// <summary>Datagrams received, repeats and control commands included.</summary>
    public int Received { get; private set; }

    /// <summary>When true the camera hears nothing (a camera whose network hangs but whose port is not closed).</summary>
    public bool Silent { get; set; }

    /// <summary>Drops the next n VISCA datagrams, as a lossy link would.</summary>
    public void DropNext(int count) => Interlocked.Exchange(ref _drop, count);

    private async Task RunAsync()
    {
        var buffer = new byte[2048];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException)
            {
                continue; // an ICMP error from a controller that went away
            }

            Received++;
            if (Silent)
            {
                continue;
            }

            foreach (var reply in Answer(buffer.AsSpan(0, received.ReceivedBytes), received.RemoteEndPoint))
            {
                try
                {
                    await _socket.SendToAsync(reply, SocketFlags.None, received.RemoteEndPoint, _stop.Token).ConfigureAwait(false);
                }
                catch (SocketException)
                {
                    break;
                }
            }
        }
    }

    private byte[][] Answer(ReadOnlySpan<byte> datagram, EndPoint from)
    {
        if (!ViscaIpHeader.TryParse(datagram, out var header, out var payload, out _))
        {
            return [ViscaIpHeader.Packet(ViscaIpPayloadType.ControlCommand, 0, [ViscaIpHeader.ControlError, ViscaIpHeader.ControlErrorMessage])];
        }

        if (header.PayloadType == ViscaIpPayloadType.ControlCommand)
        {
            if (payload is [ViscaIpHeader.ControlReset])
            {
                _last.Remove(from);
                return [ViscaIpHeader.Packet(ViscaIpPayloadType.ControlReply, header.Sequence, [ViscaIpHeader.ControlResetAck])];
            }

            return [ViscaIpHeader.Packet(ViscaIpPayloadType.ControlCommand, header.Sequence, [ViscaIpHeader.ControlError, ViscaIpHeader.ControlErrorMessage])];
        }

        if (header.PayloadType is not (ViscaIpPayloadType.ViscaCommand or ViscaIpPayloadType.ViscaInquiry))
        {
            return [ViscaIpHeader.Packet(ViscaIpPayloadType.ControlCommand, header.Sequence, [ViscaIpHeader.ControlError, ViscaIpHeader.ControlErrorMessage])];
        }

        if (Interlocked.Decrement(ref _drop) >= 0)
        {
            return [];
        }

        if (_last.TryGetValue(from, out var last))
        {
            if (header.Sequence == last.Sequence)
            {
                return last.Replies;
            }

            if (header.Sequence < last.Sequence)
            {
                return [ViscaIpHeader.Packet(ViscaIpPayloadType.ControlCommand, header.Sequence, [ViscaIpHeader.ControlError, ViscaIpHeader.ControlErrorSequence])];
            }
        }

        var replies = Camera.Execute(payload)
            .Select(r => ViscaIpHeader.Packet(ViscaIpPayloadType.ViscaReply, header.Sequence, r))
            .ToArray();
        _last[from] = (header.Sequence, replies);
        return replies;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }
}
