using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Conferencing.Sip.Transport;

/// <summary>Limits on what peers may make a <see cref="SipTransport"/> hold.</summary>
public sealed record SipTransportLimits
{
    /// <summary>The default cap on open TCP connections in total: 1,024.</summary>
    public const int DefaultMaxConnections = 1024;

    /// <summary>The default cap on open TCP connections from one address: 64.</summary>
    public const int DefaultMaxConnectionsPerAddress = 64;

    /// <summary>The default time a TCP connection may carry nothing either way before it is closed: 5 minutes.</summary>
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The default largest message, header section and body together: 64 KiB.</summary>
    public const int DefaultMaxMessageBytes = 64 * 1024;

    /// <summary>Open TCP connections in total (accepted and our own); a new peer beyond it is closed at once. The default is <see cref="DefaultMaxConnections"/>.</summary>
    public int MaxConnections { get; init; } = DefaultMaxConnections;

    /// <summary>Open TCP connections from one IP address; beyond it a new one is closed at once. The default is <see cref="DefaultMaxConnectionsPerAddress"/>.</summary>
    public int MaxConnectionsPerAddress { get; init; } = DefaultMaxConnectionsPerAddress;

    /// <summary>
    /// How long a TCP connection may carry nothing in either direction before it is closed (RFC 3261
    /// 18 leaves the lifetime of connections to the implementation). The default is <see cref="DefaultIdleTimeout"/>.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = DefaultIdleTimeout;

    /// <summary>
    /// The largest message accepted. A bigger one on TCP closes the connection (its framing cannot be
    /// trusted, 18.3); a bigger datagram is handed on for the layer above to refuse. The default is
    /// <see cref="DefaultMaxMessageBytes"/>.
    /// </summary>
    public int MaxMessageBytes { get; init; } = DefaultMaxMessageBytes;

    /// <summary>Throws when a limit makes no sense.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConnections, 1, nameof(MaxConnections));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConnectionsPerAddress, 1, nameof(MaxConnectionsPerAddress));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(IdleTimeout, TimeSpan.Zero, nameof(IdleTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMessageBytes, 1024, nameof(MaxMessageBytes));
    }
}

/// <summary>
/// UDP and TCP on one address and port, as SIP elements usually listen. Incoming datagrams and
/// framed stream messages are handed to one callback, one at a time per connection; sends pick the
/// socket by protocol and reuse an open TCP connection to the same peer (RFC 3261 18.1.1).
/// Malformed streams are closed; what a message means is the caller's business.
/// </summary>
public sealed class SipTransport : IAsyncDisposable
{
    /// <summary>The largest UDP datagram read: 64 KiB.</summary>
    public const int MaxDatagramBytes = 65_535;

    /// <summary>
    /// How long the rest of a message begun on a TCP connection is waited for before the connection is
    /// closed (RFC 4475 3.1.2.2): 64·T1, 32 s.
    /// </summary>
    public static readonly TimeSpan DefaultIncompleteMessageTimeout = TimeSpan.FromSeconds(32);

    private readonly TimeSpan _incompleteMessageTimeout;
    private readonly TimeProvider _time;
    private readonly SipTransportLimits _limits;
    private readonly ConcurrentDictionary<IPAddress, int> _perAddress = new();
    private int _open;
    private long _refused;

    private readonly Func<SipPacket, ValueTask> _onReceive;
    private readonly Action<SipEndPoint, string>? _onStreamError;
    private readonly Socket _udp;
    private readonly TcpListener? _tcpListener;
    private readonly ConcurrentDictionary<IPEndPoint, TcpConnection> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _loops = [];

    /// <summary>
    /// Binds UDP (and TCP when <paramref name="tcp"/> is true) on <paramref name="bind"/>. Port 0 picks a
    /// free port, the same for both when TCP can have it.
    /// </summary>
    public SipTransport(IPEndPoint bind, Func<SipPacket, ValueTask> onReceive, bool tcp = true, Action<SipEndPoint, string>? onStreamError = null)
        : this(bind, onReceive, tcp, onStreamError, DefaultIncompleteMessageTimeout, TimeProvider.System)
    {
    }

    /// <summary>
    /// As the other constructor, with the time a TCP peer has to finish a message it has begun, and
    /// the clock that measures it.
    /// </summary>
    public SipTransport(IPEndPoint bind, Func<SipPacket, ValueTask> onReceive, bool tcp, Action<SipEndPoint, string>? onStreamError, TimeSpan incompleteMessageTimeout, TimeProvider time)
        : this(bind, onReceive, tcp, onStreamError, incompleteMessageTimeout, time, new SipTransportLimits())
    {
    }

    /// <summary>As the other constructors, with limits on connections and message size.</summary>
    public SipTransport(IPEndPoint bind, Func<SipPacket, ValueTask> onReceive, bool tcp, Action<SipEndPoint, string>? onStreamError, TimeSpan incompleteMessageTimeout, TimeProvider time, SipTransportLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        limits.Validate();
        _limits = limits;
        ArgumentNullException.ThrowIfNull(bind);
        ArgumentNullException.ThrowIfNull(onReceive);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(incompleteMessageTimeout, TimeSpan.Zero);
        _incompleteMessageTimeout = incompleteMessageTimeout;
        _time = time;
        _onReceive = onReceive;
        _onStreamError = onStreamError;
        (_udp, _tcpListener) = Bind(bind, tcp);
        UdpEndPoint = new SipEndPoint(SipProtocol.Udp, (IPEndPoint)_udp.LocalEndPoint!);
        if (_tcpListener is not null)
        {
            TcpEndPoint = new SipEndPoint(SipProtocol.Tcp, (IPEndPoint)_tcpListener.LocalEndpoint);
        }

        _loops.Add(Task.Run(ReceiveDatagramsAsync));
        if (_tcpListener is not null)
        {
            _loops.Add(Task.Run(AcceptAsync));
        }
    }

    /// <summary>
    /// Binds UDP and TCP to one port. With port 0 the OS picks the UDP port, and that number may already
    /// be taken for TCP: then both are released and another is tried.
    /// </summary>
    private static (Socket Udp, TcpListener? Tcp) Bind(IPEndPoint bind, bool tcp)
    {
        for (var attempt = 0; ; attempt++)
        {
            var udp = new Socket(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                udp.Bind(bind);
                if (!tcp)
                {
                    return (udp, null);
                }

                var listener = new TcpListener((IPEndPoint)udp.LocalEndPoint!);
                listener.Start(128);
                return (udp, listener);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse && bind.Port == 0 && attempt < 20)
            {
                udp.Dispose();
            }
            catch
            {
                udp.Dispose();
                throw;
            }
        }
    }

    /// <summary>The bound UDP endpoint.</summary>
    public SipEndPoint UdpEndPoint { get; }

    /// <summary>The bound TCP endpoint, when TCP is on.</summary>
    public SipEndPoint? TcpEndPoint { get; }

    /// <summary>Datagrams and stream messages received so far.</summary>
    public long Received => Interlocked.Read(ref _received);

    private long _received;

    /// <summary>TCP connections open now.</summary>
    public int OpenConnections => Volatile.Read(ref _open);

    /// <summary>TCP connections closed at once because a connection cap was reached.</summary>
    public long RefusedConnections => Interlocked.Read(ref _refused);

    /// <summary>Sends one message. For TCP an open connection to the peer is reused or a new one made.</summary>
    public async ValueTask SendAsync(SipEndPoint remote, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        if (remote.Protocol == SipProtocol.Udp)
        {
            await _udp.SendToAsync(message, SocketFlags.None, remote.Address, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (_tcpListener is null)
        {
            throw new InvalidOperationException("TCP is not enabled on this transport.");
        }

        var connection = await GetOrConnectAsync(remote.Address, cancellationToken).ConfigureAwait(false);
        await connection.SendAsync(message, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _udp.Dispose();
        _tcpListener?.Stop();
        foreach (var connection in _connections.Values)
        {
            connection.Dispose();
        }

        try
        {
            await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException or TimeoutException)
        {
            // Loops end by their sockets closing under them.
        }

        _stopping.Dispose();
    }

    private async Task ReceiveDatagramsAsync()
    {
        var buffer = GC.AllocateUninitializedArray<byte>(MaxDatagramBytes);
        var address = new SocketAddress(_udp.AddressFamily);
        var template = new IPEndPoint(_udp.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!_stopping.IsCancellationRequested)
        {
            int length;
            try
            {
                length = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, address, _stopping.Token).ConfigureAwait(false);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize)
            {
                // ICMP port unreachable from an earlier send, or an oversized datagram: not fatal.
                continue;
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            var remote = (IPEndPoint)template.Create(address);
            Interlocked.Increment(ref _received);
            await Deliver(new SipPacket(buffer.AsMemory(0, length), new SipEndPoint(SipProtocol.Udp, remote), UdpEndPoint)).ConfigureAwait(false);
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _tcpListener!.AcceptSocketAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException or InvalidOperationException)
            {
                return;
            }

            var remote = (IPEndPoint)socket.RemoteEndPoint!;
            if (!TryReserve(remote.Address))
            {
                Interlocked.Increment(ref _refused);
                socket.Dispose();
                _onStreamError?.Invoke(new SipEndPoint(SipProtocol.Tcp, remote), "connection refused: too many open connections");
                continue;
            }

            Track(socket);
        }
    }

    /// <summary>Counts a connection against the caps; false (counting nothing) when one is reached.</summary>
    private bool TryReserve(IPAddress address)
    {
        if (Interlocked.Increment(ref _open) > _limits.MaxConnections)
        {
            Interlocked.Decrement(ref _open);
            return false;
        }

        var fromAddress = _perAddress.AddOrUpdate(address, 1, (_, n) => n + 1);
        if (fromAddress > _limits.MaxConnectionsPerAddress)
        {
            Release(address);
            return false;
        }

        return true;
    }

    private void Release(IPAddress address)
    {
        Interlocked.Decrement(ref _open);
        // Remove the entry only while it is still at zero, so the table holds open addresses alone.
        if (_perAddress.AddOrUpdate(address, 0, (_, n) => n - 1) <= 0)
        {
            _perAddress.TryRemove(new KeyValuePair<IPAddress, int>(address, 0));
        }
    }

    private async Task<TcpConnection> GetOrConnectAsync(IPEndPoint remote, CancellationToken cancellationToken)
    {
        if (_connections.TryGetValue(remote, out var existing) && !existing.Closed)
        {
            return existing;
        }

        // Our own connections count too: the total cap is what bounds the sockets this process holds.
        if (!TryReserve(remote.Address))
        {
            throw new SocketException((int)SocketError.TooManyOpenSockets);
        }

        var socket = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(remote, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            Release(remote.Address);
            throw;
        }

        return Track(socket);
    }

    private TcpConnection Track(Socket socket)
    {
        socket.NoDelay = true;
        var remote = (IPEndPoint)socket.RemoteEndPoint!;
        var connection = new TcpConnection(socket, new SipEndPoint(SipProtocol.Tcp, remote), _time);
        _connections[remote] = connection;
        var loop = Task.Run(() => ReadStreamAsync(connection));
        lock (_loops)
        {
            _loops.RemoveAll(t => t.IsCompleted);
            _loops.Add(loop);
        }

        return connection;
    }

    private async Task ReadStreamAsync(TcpConnection connection)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        var filled = 0;

        // Set while part of a message is buffered: the whole of it must arrive in time, however
        // slowly the bytes trickle in, or the connection goes (a peer cannot hold it open that way).
        DateTimeOffset? messageBegun = null;
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                if (filled == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, filled).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var now = _time.GetUtcNow();
                if (filled > 0)
                {
                    messageBegun ??= now;
                }

                var idleEnds = connection.LastActivity + _limits.IdleTimeout;
                var deadline = messageBegun is { } begun && begun + _incompleteMessageTimeout < idleEnds ? begun + _incompleteMessageTimeout : idleEnds;
                int read;
                using (var timeout = new CancellationTokenSource(deadline > now ? deadline - now : TimeSpan.FromMilliseconds(1), _time))
                using (var waiting = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _stopping.Token))
                {
                    try
                    {
                        read = await connection.Socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, waiting.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (timeout.IsCancellationRequested && !_stopping.IsCancellationRequested)
                    {
                        now = _time.GetUtcNow();
                        if (messageBegun is { } started && now - started >= _incompleteMessageTimeout)
                        {
                            _onStreamError?.Invoke(connection.Remote, $"the rest of a message did not come within {_incompleteMessageTimeout.TotalSeconds:0} s");
                            return;
                        }

                        if (now - connection.LastActivity >= _limits.IdleTimeout)
                        {
                            // An idle connection closes quietly: that is housekeeping, not a fault.
                            return;
                        }

                        // Something was sent meanwhile: the connection is in use, wait again.
                        continue;
                    }
                }

                if (read == 0)
                {
                    return;
                }

                connection.Touch(_time);
                filled += read;
                var consumed = 0;
                while (true)
                {
                    var result = StreamFraming.TryFrame(buffer.AsSpan(consumed, filled - consumed), _limits.MaxMessageBytes, out var skipped, out var length, out var error);
                    if (result == StreamFraming.Result.Incomplete)
                    {
                        consumed += skipped;
                        break;
                    }

                    if (result == StreamFraming.Result.Broken)
                    {
                        _onStreamError?.Invoke(connection.Remote, error ?? "broken stream");
                        return;
                    }

                    Interlocked.Increment(ref _received);
                    await Deliver(new SipPacket(buffer.AsMemory(consumed + skipped, length), connection.Remote, TcpEndPoint!.Value)).ConfigureAwait(false);
                    consumed += skipped + length;
                }

                if (consumed > 0)
                {
                    buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                    filled -= consumed;
                    if (filled == 0)
                    {
                        messageBegun = null;
                    }
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // The peer went away or we are stopping.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _connections.TryRemove(new KeyValuePair<IPEndPoint, TcpConnection>(connection.Remote.Address, connection));
            connection.Dispose();
            Release(connection.Remote.Address.Address);
        }
    }

    private async ValueTask Deliver(SipPacket packet)
    {
        try
        {
            await _onReceive(packet).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A handler's failure on one message must not stop the transport for everyone else.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _onStreamError?.Invoke(packet.Remote, "receive handler failed: " + e.Message);
        }
    }

    private sealed class TcpConnection(Socket socket, SipEndPoint remote, TimeProvider time) : IDisposable
    {
        private readonly SemaphoreSlim _sendLock = new(1, 1);
        private int _closed;
        private long _lastActivityTicks = time.GetUtcNow().UtcTicks;

        /// <summary>When bytes last went either way.</summary>
        public DateTimeOffset LastActivity => new(Interlocked.Read(ref _lastActivityTicks), TimeSpan.Zero);

        public void Touch(TimeProvider clock) => Interlocked.Exchange(ref _lastActivityTicks, clock.GetUtcNow().UtcTicks);

        public Socket Socket { get; } = socket;

        public SipEndPoint Remote { get; } = remote;

        public bool Closed => Volatile.Read(ref _closed) != 0;

        public async ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
        {
            // Messages on one connection must not interleave.
            await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                while (!message.IsEmpty)
                {
                    var sent = await Socket.SendAsync(message, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                    message = message[sent..];
                }

                Touch(time);
            }
            finally
            {
                _sendLock.Release();
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                Socket.Dispose();
                _sendLock.Dispose();
            }
        }
    }
}
