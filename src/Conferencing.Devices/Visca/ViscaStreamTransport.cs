using System.IO.Ports;
using System.Net;
using System.Net.Sockets;

namespace Conferencing.Devices.Visca;

/// <summary>
/// Plain VISCA over a byte stream: a TCP socket (the PTZOptics-style cameras, usually port 5678) or an
/// RS-232 port at 9600 8N1. There is no sequence number, so one command is in flight at a time and a
/// stream that timed out is dropped (a late reply would otherwise be read as the next command's).
/// </summary>
public sealed class ViscaStreamTransport : IViscaTransport
{
    private readonly Func<CancellationToken, Task<Stream>> _open;
    private readonly string _name;
    private readonly ViscaTimeouts _timeouts;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ViscaFrameReader _reader = new();
    private Stream? _stream;

    private ViscaStreamTransport(string name, Func<CancellationToken, Task<Stream>> open, ViscaTimeouts? timeouts)
    {
        _name = name;
        _open = open;
        _timeouts = timeouts ?? new ViscaTimeouts();
    }

    public static ViscaStreamTransport Tcp(IPEndPoint camera, ViscaTimeouts? timeouts = null)
    {
        ArgumentNullException.ThrowIfNull(camera);
        return new ViscaStreamTransport(camera.ToString(), async ct =>
        {
            var client = new TcpClient(camera.AddressFamily) { NoDelay = true };
            try
            {
                await client.ConnectAsync(camera, ct).ConfigureAwait(false);
                return client.GetStream();
            }
            catch
            {
                client.Dispose();
                throw;
            }
        }, timeouts);
    }

    /// <summary>A serial port (for example /dev/ttyUSB0) at the VISCA default of 9600 baud, 8N1.</summary>
    public static ViscaStreamTransport Serial(string portName, int baudRate = 9600, ViscaTimeouts? timeouts = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(portName);
        return new ViscaStreamTransport(portName, _ =>
        {
            var port = new SerialPort(portName, baudRate, Parity.None, 8, StopBits.One);
            port.Open();
            return Task.FromResult(port.BaseStream);
        }, timeouts);
    }

    public async Task<byte[]> ExchangeAsync(byte[] packet, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(packet);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeouts.Command);
        try
        {
            var stream = _stream ??= await _open(deadline.Token).ConfigureAwait(false);
            await stream.WriteAsync(packet, deadline.Token).ConfigureAwait(false);
            await stream.FlushAsync(deadline.Token).ConfigureAwait(false);
            while (true)
            {
                var frame = await _reader.ReadAsync(stream, deadline.Token).ConfigureAwait(false)
                    ?? throw new DeviceException(DeviceFailure.Unreachable, $"camera {_name} closed the connection");
                if (!ViscaReply.TryParse(frame, out var reply, out var reason))
                {
                    throw new DeviceException(DeviceFailure.ProtocolError, $"camera {_name} sent a malformed reply: {reason}");
                }

                switch (reply.Kind)
                {
                    case ViscaReplyKind.Ack:
                        continue;
                    case ViscaReplyKind.Completion:
                        return reply.Data;
                    default:
                        throw new DeviceException(DeviceFailure.DeviceError, $"camera: {ViscaReply.Describe(reply.Error)}");
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Drop();
            throw new DeviceException(DeviceFailure.Unreachable, $"camera {_name} did not answer within {_timeouts.Command.TotalSeconds:0.#} s");
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            Drop();
            throw new DeviceException(DeviceFailure.Unreachable, $"camera {_name} unreachable: {e.Message}", e);
        }
        catch (DeviceException e) when (e.Failure is DeviceFailure.ProtocolError or DeviceFailure.Unreachable)
        {
            Drop();
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Drop()
    {
        _stream?.Dispose();
        _stream = null;
        _reader.Clear();
    }

    public ValueTask DisposeAsync()
    {
        Drop();
        _gate.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Splits a VISCA byte stream into packets at each FF terminator.</summary>
internal sealed class ViscaFrameReader
{
    private readonly byte[] _buffer = new byte[256];
    private int _start;
    private int _end;

    /// <summary>Returns the next packet including its FF, or null at end of stream.</summary>
    public async Task<byte[]?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        while (true)
        {
            var terminator = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)0xFF);
            if (terminator >= 0)
            {
                var frame = _buffer.AsSpan(_start, terminator + 1).ToArray();
                _start += terminator + 1;
                return frame;
            }

            if (_end - _start > ViscaReply.MaxLength)
            {
                throw new DeviceException(DeviceFailure.ProtocolError, $"no FF terminator within {ViscaReply.MaxLength} bytes");
            }

            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }

            var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return null;
            }

            _end += read;
        }
    }

    public void Clear() => _start = _end = 0;
}
