using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Conferencing.Relay.Media;

/// <summary>
/// Sends one received packet to many legs, each with its own 12-byte RTP header. The packet lies in
/// the receive socket's pinned buffer; only the header differs per leg. Used by one thread only.
/// </summary>
internal abstract class FanOut : IDisposable
{
    /// <summary>Sends that failed (unreachable network, full buffer); counted, never thrown.</summary>
    public long SendErrors;

    /// <summary>System calls made, to compare batching against one call per packet.</summary>
    public long SystemCalls;

    /// <summary>Creates the sender: sendmmsg on Linux when <paramref name="batched"/>, else one SendTo per leg.</summary>
    public static FanOut Create(MediaSocket socket, bool batched) => Create(socket, socket.Buffer, batched);

    /// <summary>
    /// A sender whose packets lie in <paramref name="buffer"/> (pinned, at least <see cref="MediaSocket.BufferSize"/>)
    /// rather than the socket's receive buffer: the mixer sends from its own thread.
    /// </summary>
    public static FanOut Create(MediaSocket socket, byte[] buffer, bool batched) =>
        batched && OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64
            ? new LinuxBatchFanOut(socket, buffer)
            : new PortableFanOut(socket, buffer);

    /// <summary>True when packets are batched into sendmmsg calls.</summary>
    public abstract bool IsBatched { get; }

    /// <summary>Starts a packet: the first <paramref name="length"/> bytes of the socket buffer.</summary>
    public abstract void Begin(int length);

    /// <summary>Queues (or sends) the packet to one leg with <paramref name="header"/> in place of its first 12 bytes.</summary>
    public abstract void Add(ReadOnlySpan<byte> header, SocketAddress destination);

    /// <summary>Sends whatever is queued.</summary>
    public abstract void Flush();

    /// <inheritdoc />
    public virtual void Dispose()
    {
    }
}

/// <summary>One SendTo per leg, rewriting the header in the buffer in place. Works everywhere.</summary>
internal sealed class PortableFanOut(MediaSocket socket, byte[] buffer) : FanOut
{
    private int _length;

    public override bool IsBatched => false;

    public override void Begin(int length) => _length = length;

    public override void Add(ReadOnlySpan<byte> header, SocketAddress destination)
    {
        header.CopyTo(buffer);
        SystemCalls++;
        try
        {
            socket.Socket.SendTo(buffer.AsSpan(0, _length), SocketFlags.None, destination);
        }
        catch (SocketException)
        {
            SendErrors++;
        }
    }

    public override void Flush()
    {
    }
}

/// <summary>
/// sendmmsg(2): one system call sends the packet to up to <see cref="MaxBatch"/> legs. Each message
/// has two iovecs: that leg's header, then the shared rest of the packet in the pinned buffer.
/// Everything the kernel reads lives in native memory allocated once.
/// </summary>
internal sealed unsafe partial class LinuxBatchFanOut : FanOut
{
    public const int MaxBatch = 256;
    private const int HeaderSlot = 16;
    private const int NameSlot = 32; // sockaddr_in6 is 28 bytes
    private const int EINTR = 4;
    private const int EAGAIN = 11;

    private readonly MediaSocket _socket;
    private readonly int _fd;
    private readonly byte* _headers;
    private readonly byte* _names;
    private readonly IoVec* _iov;
    private readonly MMsgHdr* _messages;
    private readonly GCHandle _bufferHandle;
    private readonly byte* _packet;
    private int _length;
    private int _count;

    public LinuxBatchFanOut(MediaSocket socket, byte[] buffer)
    {
        _socket = socket;
        _fd = (int)socket.Socket.SafeHandle.DangerousGetHandle();
        _headers = (byte*)NativeMemory.AllocZeroed(MaxBatch * HeaderSlot);
        _names = (byte*)NativeMemory.AllocZeroed(MaxBatch * NameSlot);
        _iov = (IoVec*)NativeMemory.AllocZeroed((nuint)(MaxBatch * 2 * sizeof(IoVec)));
        _messages = (MMsgHdr*)NativeMemory.AllocZeroed((nuint)(MaxBatch * sizeof(MMsgHdr)));

        // The buffer is on the pinned object heap already; the handle documents that it must stay put.
        _bufferHandle = GCHandle.Alloc(buffer, GCHandleType.Pinned);
        _packet = (byte*)_bufferHandle.AddrOfPinnedObject();
        for (int i = 0; i < MaxBatch; i++)
        {
            _iov[2 * i].Base = _headers + (i * HeaderSlot);
            _iov[2 * i].Length = 12;
            _messages[i].Header.Name = _names + (i * NameSlot);
            _messages[i].Header.Iov = &_iov[2 * i];
            _messages[i].Header.IovLength = 2;
        }
    }

    public override bool IsBatched => true;

    public override void Begin(int length)
    {
        _length = length;
    }

    public override void Add(ReadOnlySpan<byte> header, SocketAddress destination)
    {
        int i = _count;
        header[..12].CopyTo(new Span<byte>(_headers + (i * HeaderSlot), 12));
        ReadOnlySpan<byte> name = destination.Buffer.Span[..destination.Size];
        name.CopyTo(new Span<byte>(_names + (i * NameSlot), NameSlot));
        _messages[i].Header.NameLength = (uint)destination.Size;
        _iov[(2 * i) + 1].Base = _packet + 12;
        _iov[(2 * i) + 1].Length = (nuint)(_length - 12);
        if (++_count == MaxBatch)
        {
            Flush();
        }
    }

    public override void Flush()
    {
        int sent = 0;
        while (sent < _count)
        {
            SystemCalls++;
            int result = SendMultiple(_fd, _messages + sent, (uint)(_count - sent), 0);
            if (result > 0)
            {
                sent += result;
                continue;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (result < 0 && (errno == EINTR || errno == EAGAIN))
            {
                continue;
            }

            // The message at 'sent' failed on its own (unreachable address and the like): skip it.
            SendErrors++;
            sent++;
        }

        _count = 0;
    }

    public override void Dispose()
    {
        NativeMemory.Free(_headers);
        NativeMemory.Free(_names);
        NativeMemory.Free(_iov);
        NativeMemory.Free(_messages);
        if (_bufferHandle.IsAllocated)
        {
            _bufferHandle.Free();
        }

        GC.KeepAlive(_socket);
    }

    [LibraryImport("libc", EntryPoint = "sendmmsg", SetLastError = true)]
    private static partial int SendMultiple(int fd, MMsgHdr* messages, uint count, int flags);

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }
}
