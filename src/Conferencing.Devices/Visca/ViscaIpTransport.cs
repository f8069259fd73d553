using System.Net;
using System.Net.Sockets;

namespace Conferencing.Devices.Visca;

/// <summary>
/// VISCA over IP (Sony) on UDP: every message carries a sequence number, replies are matched by it, a
/// message without an answer is sent again with the same number (the camera answers a repeat without
/// running it twice), and the first exchange is a RESET control command so both sides start from 0.
/// One message is in flight at a time: the camera executes one at a time anyway, and a single
/// outstanding sequence number keeps the matching trivially right.
/// </summary>
public sealed class ViscaIpTransport : IViscaTransport
{
    private readonly IPEndPoint _camera;
    private readonly ViscaTimeouts _timeouts;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly byte[] _receive = new byte[ViscaIpHeader.Size + ViscaIpHeader.MaxPayload + 64];
    private Socket? _socket;
    private uint _sequence;
    private bool _synchronized;

    public ViscaIpTransport(IPEndPoint camera, ViscaTimeouts? timeouts = null)
    {
        ArgumentNullException.ThrowIfNull(camera);
        _camera = camera;
        _timeouts = timeouts ?? new ViscaTimeouts();
    }

    /// <summary>How many datagrams were sent again for want of an answer (seen by tests and the agent's state report).</summary>
    public int Retransmissions { get; private set; }

    public async Task<byte[]> ExchangeAsync(byte[] packet, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(packet);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var socket = _socket ??= Open();
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(_timeouts.Command);
            for (var attempt = 0; ; attempt++)
            {
                if (!_synchronized)
                {
                    await ResetAsync(socket, deadline.Token, cancellationToken).ConfigureAwait(false);
                }

                var type = ViscaCommands.IsInquiry(packet) ? ViscaIpPayloadType.ViscaInquiry : ViscaIpPayloadType.ViscaCommand;
                var outcome = await SendAndAwaitAsync(socket, type, ++_sequence, packet, deadline.Token, cancellationToken).ConfigureAwait(false);
                if (outcome is { } data)
                {
                    return data;
                }

                // The camera said our sequence number was out of order: start again from a RESET, once.
                _synchronized = false;
                if (attempt > 0)
                {
                    throw new DeviceException(DeviceFailure.ProtocolError, "camera keeps reporting a sequence number abnormality");
                }
            }
        }
        catch (SocketException e)
        {
            Drop();
            throw new DeviceException(DeviceFailure.Unreachable, $"camera {_camera} unreachable: {e.SocketErrorCode}", e);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task ResetAsync(Socket socket, CancellationToken deadline, CancellationToken caller)
    {
        _sequence = 0;
        var datagram = ViscaIpHeader.Packet(ViscaIpPayloadType.ControlCommand, 0, [ViscaIpHeader.ControlReset]);
        while (true)
        {
            await SendAsync(socket, datagram, deadline, caller).ConfigureAwait(false);
            using var wait = RetransmitWindow(deadline);
            try
            {
                while (true)
                {
                    var (header, payload) = await ReceiveAsync(socket, wait.Token).ConfigureAwait(false);
                    if (header.PayloadType == ViscaIpPayloadType.ControlReply && payload is [ViscaIpHeader.ControlResetAck])
                    {
                        _synchronized = true;
                        return;
                    }
                }
            }
            catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
            {
                Retransmissions++;
            }
            catch (OperationCanceledException) when (!caller.IsCancellationRequested)
            {
                throw Silent();
            }
        }
    }

    /// <summary>Returns the completion data, or null when the camera reported a sequence abnormality.</summary>
    private async Task<byte[]?> SendAndAwaitAsync(Socket socket, ViscaIpPayloadType type, uint sequence, byte[] packet, CancellationToken deadline, CancellationToken caller)
    {
        var datagram = ViscaIpHeader.Packet(type, sequence, packet);
        var acknowledged = false;
        while (true)
        {
            await SendAsync(socket, datagram, deadline, caller).ConfigureAwait(false);
            // Once the camera acknowledged, it has the command: wait for the completion without resending.
            using var wait = acknowledged ? CancellationTokenSource.CreateLinkedTokenSource(deadline) : RetransmitWindow(deadline);
            try
            {
                while (true)
                {
                    var (header, payload) = await ReceiveAsync(socket, wait.Token).ConfigureAwait(false);
                    if (header.PayloadType is ViscaIpPayloadType.ControlCommand or ViscaIpPayloadType.ControlReply
                        && payload is [ViscaIpHeader.ControlError, var code])
                    {
                        if (code == ViscaIpHeader.ControlErrorSequence)
                        {
                            return null;
                        }

                        throw new DeviceException(DeviceFailure.ProtocolError, $"camera reported a message abnormality (0F {code:X2})");
                    }

                    if (header.PayloadType != ViscaIpPayloadType.ViscaReply || header.Sequence != sequence)
                    {
                        continue; // a late answer to an earlier message
                    }

                    if (!ViscaReply.TryParse(payload, out var reply, out var reason))
                    {
                        throw new DeviceException(DeviceFailure.ProtocolError, $"camera sent a malformed reply: {reason}");
                    }

                    switch (reply.Kind)
                    {
                        case ViscaReplyKind.Ack:
                            acknowledged = true;
                            continue;
                        case ViscaReplyKind.Completion:
                            return reply.Data;
                        default:
                            throw new DeviceException(DeviceFailure.DeviceError, $"camera: {ViscaReply.Describe(reply.Error)}");
                    }
                }
            }
            catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
            {
                Retransmissions++;
            }
            catch (OperationCanceledException) when (!caller.IsCancellationRequested)
            {
                throw Silent();
            }
        }
    }

    private CancellationTokenSource RetransmitWindow(CancellationToken deadline)
    {
        var window = CancellationTokenSource.CreateLinkedTokenSource(deadline);
        window.CancelAfter(_timeouts.Retransmit);
        return window;
    }

    private async Task SendAsync(Socket socket, byte[] datagram, CancellationToken deadline, CancellationToken caller)
    {
        try
        {
            await socket.SendAsync(datagram, SocketFlags.None, deadline).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!caller.IsCancellationRequested)
        {
            throw Silent();
        }
    }

    private async Task<(ViscaIpHeader Header, byte[] Payload)> ReceiveAsync(Socket socket, CancellationToken cancellationToken)
    {
        while (true)
        {
            var length = await socket.ReceiveAsync(_receive, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (ViscaIpHeader.TryParse(_receive.AsSpan(0, length), out var header, out var payload, out _))
            {
                return (header, payload.ToArray());
            }
        }
    }

    private DeviceException Silent() =>
        new(DeviceFailure.Unreachable, $"camera {_camera} did not answer within {_timeouts.Command.TotalSeconds:0.#} s");

    private Socket Open()
    {
        var socket = new Socket(_camera.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            // Connected, so an ICMP port-unreachable surfaces as ConnectionRefused instead of silence.
            socket.Connect(_camera);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private void Drop()
    {
        _socket?.Dispose();
        _socket = null;
        _synchronized = false;
    }

    public ValueTask DisposeAsync()
    {
        Drop();
        _gate.Dispose();
        return ValueTask.CompletedTask;
    }
}
