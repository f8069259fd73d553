using System.Net;
using System.Net.Sockets;
using Conferencing.Devices.Visca;

namespace Conferencing.Devices.Simulation;

/// <summary>A camera speaking plain VISCA on a TCP port, the way PTZOptics-style cameras do.</summary>
public sealed class ViscaTcpCameraSimulator : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public ViscaTcpCameraSimulator(IPEndPoint? bind = null)
    {
        _listener = new TcpListener(bind ?? new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Start();
        EndPoint = (IPEndPoint)_listener.LocalEndpoint;
        _loop = Task.Run(AcceptAsync);
    }

    public IPEndPoint EndPoint { get; }

    public SimulatedCamera Camera { get; } = new();

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        var stream = client.GetStream();
        var reader = new ViscaFrameReader();
        try
        {
            while (await reader.ReadAsync(stream, _stop.Token).ConfigureAwait(false) is { } frame)
            {
                foreach (var reply in Camera.Execute(frame))
                {
                    await stream.WriteAsync(reply, _stop.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or DeviceException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
