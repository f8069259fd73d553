using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Conferencing.Server.Simulator;
using Conferencing.Server.Tests.Infrastructure;
using Conferencing.Sip.Auth;
using Conferencing.Sip.Rtp;
using Conferencing.Sip.Stack;
using Conferencing.Sip.UserAgent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.Tests.Simulator;

/// <summary>
/// The simulated camera's real picture: a site's clip encoded by Debian's ffmpeg, sent by a simulated
/// room over RTP to a real socket, put back together and decoded by ffmpeg again.
/// </summary>
public sealed class SimulatedCameraTests : IAsyncLifetime
{
    private const string Password = "mật-khẩu-phòng";
    private readonly string _cache = Path.Combine(Path.GetTempPath(), "conferencing-tests", "simulator-video", Guid.NewGuid().ToString("N"));
    private SipUserAgent _relay = null!;
    private SimulatedRoom? _room;
    private readonly List<Socket> _sockets = [];

    public Task InitializeAsync()
    {
        _relay = new SipUserAgent(new SipUserAgentOptions
        {
            User = "relay",
            Stack = new SipStackOptions { Bind = new IPEndPoint(IPAddress.Loopback, 0) },
            Authenticator = new DigestServer("conferencing", RandomNumberGenerator.GetBytes(32), TimeProvider.System),
            PasswordOf = user => user == "pt-x-hc" ? Password : null,
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_room is not null)
        {
            await _room.DisposeAsync();
        }

        await _relay.DisposeAsync();
        _sockets.ForEach(s => s.Dispose());
        if (Directory.Exists(_cache))
        {
            Directory.Delete(_cache, recursive: true);
        }
    }

    [Fact]
    public async Task ASimulatedRoomsCameraSendsH264ThatFfmpegDecodesToAPictureOfTheRightSize()
    {
        Tools.Require(Tools.Ffmpeg, "ffmpeg");
        using var library = Library(out _);
        _room = new SimulatedRoom("pt-x-hc", Password, _relay.Stack.UdpEndPoint, TimeSpan.FromMinutes(5), NullLogger.Instance,
            media: new SimulatedMediaOptions { Clip = () => library.ClipAsync("PT-X-HC", "Xã Hy Cương") });
        _room.Start();
        await Until(() => _relay.Registrations.Count == 1, "the room to register");
        var registration = _relay.Registrations.Single();
        Socket audio = Bind(), video = Bind();
        await _relay.InviteAsync(registration.Contact, registration.Source, Offer(Port(audio), Port(video))).DefaultTimeout();

        // Past the end of the 4 s clip, so the loop is in what we check.
        var packets = await Task.Run(() => Receive(video, TimeSpan.FromSeconds(6))).DefaultTimeout();
        Assert.True(packets.Count > 100, $"only {packets.Count} video packets");
        Assert.All(packets.Zip(packets.Skip(1)), p => Assert.Equal((ushort)(p.First.SequenceNumber + 1), p.Second.SequenceNumber));
        Assert.All(packets.Zip(packets.Skip(1)), p => Assert.InRange(unchecked((int)(p.Second.Timestamp - p.First.Timestamp)), 0, 90000 / 5));
        Assert.Single(packets.Select(p => p.Ssrc).Distinct());

        // Depacketized into access units: none broken, the first a keyframe, one picture each 1/15 s.
        var depacketizer = new H264Depacketizer();
        var units = new List<H264AccessUnit>();
        var reader = new SimulatedMedia.PictureSourceReader();
        var sources = new HashSet<string>();
        foreach (var packet in packets)
        {
            Assert.True(RtpPacket.TryRead(packet.Data, out var rtp));
            if (depacketizer.Push(rtp) is { } unit)
            {
                units.Add(unit);
            }

            if (reader.Read(packet.Data) is { } source)
            {
                sources.Add(source);
            }
        }

        Assert.Equal(0, depacketizer.DroppedAccessUnits);
        Assert.True(units[0].IsKeyframe && units[0].Contains(H264Payload.SequenceParameterSet), "the camera starts with SPS, PPS and an IDR");
        Assert.InRange(units.Count(u => u.IsKeyframe), 5, 7);
        Assert.Equal(["pt-x-hc"], sources);

        // ffmpeg decodes every picture, each 320x180, and writes the first as a PNG.
        var file = Path.Combine(_cache, "received.h264");
        await File.WriteAllBytesAsync(file, [.. units.SelectMany(u => u.AnnexB)]);
        var png = Path.Combine(_cache, "first.png");
        var (exit, output) = await Tools.RunAsync(Tools.Ffmpeg, ["-hide_banner", "-loglevel", "error", "-y", "-f", "h264", "-i", file, "-frames:v", "1", png], TimeSpan.FromSeconds(30));
        Assert.True(exit == 0, output);
        Assert.Equal((320, 180), PngSize(await File.ReadAllBytesAsync(png)));
        var (probeExit, frames) = await Tools.RunAsync("/usr/bin/ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames,width,height", "-of", "csv=p=0", file], TimeSpan.FromSeconds(30));
        Assert.True(probeExit == 0, frames);
        Assert.Equal($"320,180,{units.Count}", frames.Trim());
    }

    [Fact]
    public async Task ASitesClipIsEncodedOnceAndKeptBySiteCodeAndFormatVersion()
    {
        using var library = Library(out _);
        var first = await library.ClipAsync("PT-X-PC", "Xã Pà Cò").DefaultTimeout();
        Assert.NotNull(first);
        Assert.Equal(Path.Combine(_cache, $"v{SimulatedVideoLibrary.FormatVersion}-PT-X-PC.h264"), library.PathOf("PT-X-PC"));
        var written = File.GetLastWriteTimeUtc(library.PathOf("PT-X-PC"));
        Assert.Same(first, await library.ClipAsync("PT-X-PC", "Xã Pà Cò").DefaultTimeout());

        // A new server reads the cached clip and encodes nothing.
        using var again = Library(out _, ffmpeg: "/nonexistent/ffmpeg");
        var cached = await again.ClipAsync("PT-X-PC", "Xã Pà Cò").DefaultTimeout();
        Assert.NotNull(cached);
        Assert.Equal(first!.Frames.Count, cached!.Frames.Count);
        Assert.Equal(written, File.GetLastWriteTimeUtc(library.PathOf("PT-X-PC")));
        Assert.Single(Directory.GetFiles(_cache));
    }

    [Fact]
    public async Task WithoutFfmpegEveryCameraFallsBackToShapeOnlyVideoWithOneWarning()
    {
        using var library = Library(out var logged, ffmpeg: "/nonexistent/ffmpeg");
        Assert.Null(await library.ClipAsync("PT-X-PC", "Xã Pà Cò").DefaultTimeout());
        Assert.Null(await library.ClipAsync("PT-X-HC", "Xã Hy Cương").DefaultTimeout());
        Assert.Single(logged, l => l.Level == LogLevel.Warning && l.EventId == 20600);

        _room = new SimulatedRoom("pt-x-hc", Password, _relay.Stack.UdpEndPoint, TimeSpan.FromMinutes(5), NullLogger.Instance,
            media: new SimulatedMediaOptions { Clip = () => library.ClipAsync("PT-X-HC", "Xã Hy Cương") });
        _room.Start();
        await Until(() => _relay.Registrations.Count == 1, "the room to register");
        var registration = _relay.Registrations.Single();
        Socket audio = Bind(), video = Bind();
        await _relay.InviteAsync(registration.Contact, registration.Source, Offer(Port(audio), Port(video))).DefaultTimeout();
        var packets = await Task.Run(() => Receive(video, TimeSpan.FromSeconds(1))).DefaultTimeout();
        Assert.NotEmpty(packets);

        // The old synthetic camera: its tag inside the first fragment of each frame.
        Assert.Contains(packets, p => SimulatedMedia.PictureSource(p.Data) == "pt-x-hc" && H264Payload.Classify(p.Data.AsSpan(RtpPacket.FixedHeaderLength)).PacketType == H264Payload.FuA);
    }

    private SimulatedVideoLibrary Library(out List<(LogLevel Level, int EventId)> logged, string ffmpeg = SimulatedVideoOptions.DefaultFfmpeg)
    {
        var log = new List<(LogLevel, int)>();
        logged = log;
        var options = Options.Create(new SimulatedVideoOptions { CacheDirectory = _cache, Ffmpeg = ffmpeg });
        return new SimulatedVideoLibrary(options, new ListLogger<SimulatedVideoLibrary>(log));
    }

    private static async Task Until(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TaskTimeouts.Default;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"gave up waiting for {what}");
            await Task.Delay(50);
        }
    }

    private Socket Bind()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.ReceiveTimeout = 10_000;
        _sockets.Add(socket);
        return socket;
    }

    private static int Port(Socket socket) => ((IPEndPoint)socket.LocalEndPoint!).Port;

    private static string Offer(int audioPort, int videoPort) =>
        "v=0\r\no=relay 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
        $"m=audio {audioPort} RTP/AVP 0\r\na=rtcp:{audioPort + 1}\r\na=sendrecv\r\n" +
        $"m=video {videoPort} RTP/AVPF 102\r\na=rtcp:{videoPort + 1}\r\na=rtpmap:102 H264/90000\r\na=fmtp:102 profile-level-id=42e01f;packetization-mode=1\r\na=rtcp-fb:102 nack pli\r\na=sendrecv\r\n";

    /// <summary>Every RTP packet for <paramref name="span"/> after the first.</summary>
    private static List<(byte[] Data, ushort SequenceNumber, uint Timestamp, uint Ssrc)> Receive(Socket socket, TimeSpan span)
    {
        var packets = new List<(byte[], ushort, uint, uint)>();
        var buffer = new byte[2048];
        var until = DateTime.MaxValue;
        while (DateTime.UtcNow < until)
        {
            var length = socket.Receive(buffer);
            until = until == DateTime.MaxValue ? DateTime.UtcNow + span : until;
            var data = buffer.AsSpan(0, length).ToArray();
            Assert.True(RtpPacket.TryRead(data, out var packet));
            packets.Add((data, packet.SequenceNumber, packet.Timestamp, packet.Ssrc));
        }

        return packets;
    }

    internal static (int Width, int Height) PngSize(byte[] png)
    {
        Assert.True(png.AsSpan().StartsWith((byte[])[0x89, (byte)'P', (byte)'N', (byte)'G']), "not a PNG");
        return (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
    }

    private sealed class ListLogger<T>(List<(LogLevel, int)> entries) : ILogger<T>
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (entries)
            {
                entries.Add((logLevel, eventId.Id));
            }
        }
    }
}
