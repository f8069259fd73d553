using System.Net;
using System.Net.Sockets;

namespace Conferencing.Relay.Media;

/// <summary>Receives the datagrams of one media socket, on that socket's receive thread.</summary>
internal interface IDatagramHandler
{
    /// <summary>One datagram; <paramref name="datagram"/> and <paramref name="from"/> are reused for the next one.</summary>
    void OnDatagram(Span<byte> datagram, SocketAddress from);
}

/// <summary>
/// A UDP socket shared by every leg of a meeting for one media kind (RTP or RTCP), with a dedicated
/// receive thread. The receive path uses the SocketAddress overloads and one pinned buffer, so it
/// allocates nothing per datagram; the pinned buffer also lets sendmmsg point into it.
/// </summary>
internal sealed class MediaSocket : IDisposable
{
    /// <summary>
    /// Receive buffer size. RTP rides in Ethernet-sized datagrams; a datagram that fills the whole
    /// buffer was cut by the kernel and is dropped as malformed.
    /// </summary>
    public const int BufferSize = 2048;

    private readonly byte[] _buffer = GC.AllocateUninitializedArray<byte>(BufferSize, pinned: true);
    private Thread? _thread;
    private volatile bool _stopping;

    private MediaSocket(Socket socket)
    {
        Socket = socket;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
    }

    /// <summary>The socket.</summary>
    public Socket Socket { get; }

    /// <summary>Where it is bound.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The bound port.</summary>
    public int Port => LocalEndPoint.Port;

    /// <summary>The pinned receive buffer; the datagram being handled lives at its start.</summary>
    public byte[] Buffer => _buffer;

    /// <summary>Receive errors the thread survived (ICMP errors reported on the socket and the like).</summary>
    public long ReceiveErrors;

    /// <summary>Handler exceptions the thread survived.</summary>
    public long HandlerErrors;

    /// <summary>
    /// Bytes the receive thread has allocated since it started (GC.GetAllocatedBytesForCurrentThread
    /// after each datagram): the packet path's own allocation, which the benchmark reports per packet.
    /// </summary>
    public long ThreadAllocatedBytes;

    /// <summary>Binds a UDP socket; throws <see cref="SocketException"/> when the port is taken.</summary>
    public static MediaSocket Bind(IPAddress address, int port, int bufferBytes)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.ReceiveBufferSize = bufferBytes;
            socket.SendBufferSize = bufferBytes;
            ForceBuffers(socket, bufferBytes);
            socket.Bind(new IPEndPoint(address, port));

            // No receive timeout: an idle socket must not wake (and throw) every second. Dispose
            // wakes the thread with shutdown(2).
            return new MediaSocket(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// SO_RCVBUF is capped by net.core.rmem_max (about 200 KB by default), a tenth of a second of a
    /// keyframe fanned out to a few hundred legs. With CAP_NET_ADMIN, SO_RCVBUFFORCE/SO_SNDBUFFORCE
    /// pass the cap; without it they fail and the capped size stays (raise rmem_max/wmem_max instead).
    /// </summary>
    private static void ForceBuffers(Socket socket, int bufferBytes)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        const int SolSocket = 1;
        const int SoSndBufForce = 32;
        const int SoRcvBufForce = 33;
        Span<byte> value = stackalloc byte[sizeof(int)];
        System.Runtime.InteropServices.MemoryMarshal.Write(value, in bufferBytes);
        foreach (int option in (ReadOnlySpan<int>)[SoRcvBufForce, SoSndBufForce])
        {
            try
            {
                socket.SetRawSocketOption(SolSocket, option, value);
            }
            catch (SocketException)
            {
                // Not privileged: the capped size set above stays.
            }
        }
    }

    /// <summary>Starts the receive thread.</summary>
    public void Start(string name, IDatagramHandler handler, Action<Exception> onHandlerError)
    {
        _thread = new Thread(() => ReceiveLoop(handler, onHandlerError))
        {
            IsBackground = true,
            Name = name,
        };
        _thread.Start();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stopping = true;
        try
        {
            // On Linux closing a descriptor does not wake a thread blocked in recvfrom; shutdown does.
            Socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }

        Socket.Dispose();
        if (_thread is { } thread && thread != Thread.CurrentThread)
        {
            thread.Join(TimeSpan.FromSeconds(2));
        }
    }

    private void ReceiveLoop(IDatagramHandler handler, Action<Exception> onHandlerError)
    {
        var from = new SocketAddress(Socket.AddressFamily);
        while (!_stopping)
        {
            int received;
            try
            {
                received = Socket.ReceiveFrom(_buffer, SocketFlags.None, from);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut || e.SocketErrorCode == SocketError.WouldBlock)
            {
                continue;
            }
            catch (SocketException) when (!_stopping)
            {
                Interlocked.Increment(ref ReceiveErrors);
                continue;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            if (_stopping)
            {
                return;
            }

            try
            {
                handler.OnDatagram(_buffer.AsSpan(0, received), from);
            }
            catch (Exception e)
            {
                // A bug in handling one datagram must not take the meeting's media down with it.
                Interlocked.Increment(ref HandlerErrors);
                onHandlerError(e);
            }

            Volatile.Write(ref ThreadAllocatedBytes, GC.GetAllocatedBytesForCurrentThread());
        }
    }
}
