using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Conferencing.Server.Simulator;
using Conferencing.Server.Tests.Infrastructure;
using Conferencing.Sip;
using Conferencing.Sip.Auth;
using Conferencing.Sip.Rtp;
using Conferencing.Sip.Stack;
using Conferencing.Sip.Transport;
using Conferencing.Sip.UserAgent;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conferencing.Server.Tests.Simulator;

/// <summary>
/// A simulated room against a real SIP peer on loopback (our own user agent, standing where the
/// registrar and the relay stand): it registers, answers, sends media shaped like a room system's,
/// obeys keyframe requests and reports what it received.
/// </summary>
public sealed class SimulatedRoomTests : IAsyncLifetime
{
    private const string Password = "mật-khẩu-phòng";
    private SipUserAgent _relay = null!;
    private SimulatedRoom _room = null!;
    private readonly List<Socket> _sockets = [];

    public async Task InitializeAsync()
    {
        _relay = new SipUserAgent(new SipUserAgentOptions
        {
            User = "relay",
            Stack = new SipStackOptions { Bind = new IPEndPoint(IPAddress.Loopback, 0) },
            Authenticator = new DigestServer("conferencing", RandomNumberGenerator.GetBytes(32), TimeProvider.System),
            PasswordOf = user => user == "xa-pa-co" ? Password : null,
        });
        await Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_room is not null)
        {
            await _room.DisposeAsync();
        }

        await _relay.DisposeAsync();
        _sockets.ForEach(s => s.Dispose());
    }

    private async Task<SipRegistration> StartRoomAsync(RoomFaults? faults = null)
    {
        _room = new SimulatedRoom("xa-pa-co", Password, _relay.Stack.UdpEndPoint, TimeSpan.FromMinutes(5), NullLogger.Instance, faults,
            new SimulatedMediaOptions { VideoKbps = 200, FramesPerSecond = 10, KeyframeInterval = TimeSpan.FromHours(1) });
        _room.Start();
        Assert.True(await WaitAsync(() => _room.Registered && _relay.Registrations.Count == 1, 20), "the room never registered");
        return _relay.Registrations.Single();
    }

    private Socket Bind(int port = 0)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
        socket.ReceiveTimeout = 10_000;
        _sockets.Add(socket);
        return socket;
    }

    private static int Port(Socket socket) => ((IPEndPoint)socket.LocalEndPoint!).Port;

    private static string Offer(int audioPort, int videoPort) =>
        "v=0\r\no=relay 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
        $"m=audio {audioPort} RTP/AVP 0\r\na=rtcp:{audioPort + 1}\r\na=sendrecv\r\n" +
        $"m=video {videoPort} RTP/AVPF 102\r\na=rtcp:{videoPort + 1}\r\na=rtpmap:102 H264/90000\r\na=fmtp:102 profile-level-id=42e01f;packetization-mode=1\r\na=rtcp-fb:102 nack pli\r\na=sendrecv\r\n";

    private static async Task<bool> WaitAsync(Func<bool> condition, int seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }

    /// <summary>Receives RTP until <paramref name="stop"/> says enough, returning the packets' headers and classification.</summary>
    private static List<(ushort Seq, uint Ssrc, int Pt, bool Keyframe, bool ParameterSets)> Receive(Socket socket, Func<List<(ushort Seq, uint Ssrc, int Pt, bool Keyframe, bool ParameterSets)>, bool> stop)
    {
        var packets = new List<(ushort, uint, int, bool, bool)>();
        var buffer = new byte[2048];
        while (!stop(packets))
        {
            var length = socket.Receive(buffer);
            Assert.True(RtpPacket.TryRead(buffer.AsSpan(0, length), out var packet));
            var info = H264Payload.Classify(packet.Payload);
            packets.Add((packet.SequenceNumber, packet.Ssrc, packet.PayloadType, info.IsKeyframeStart,
                info.Flags.HasFlag(H264PayloadFlags.ContainsSps) && info.Flags.HasFlag(H264PayloadFlags.ContainsPps)));
        }

        return packets;
    }

    [Fact]
    public async Task ARoomAnswersWithMediaThatStartsAtAKeyframeAndFollowsKeyframeRequests()
    {
        var registration = await StartRoomAsync();
        Socket audio = Bind(), video = Bind();
        Socket videoRtcp = Bind(Port(video) + 1);
        var call = await _relay.InviteAsync(registration.Contact, registration.Source, Offer(Port(audio), Port(video))).DefaultTimeout();
        Assert.Contains("H264/90000", call.RemoteSdp, StringComparison.Ordinal);

        // The camera starts with a keyframe (parameter sets, then the IDR) and keeps a continuous sequence.
        var first = await Task.Run(() => Receive(video, p => p.Count >= 40)).DefaultTimeout();
        Assert.True(first[0].ParameterSets, "the first video packet does not carry the parameter sets");
        Assert.True(first[1].Keyframe, "the parameter sets are not followed by an IDR");
        Assert.All(first, p => Assert.Equal(102, p.Pt));
        Assert.Single(first.Select(p => p.Ssrc).Distinct());
        Assert.All(first.Zip(first.Skip(1)), pair => Assert.Equal((ushort)(pair.First.Seq + 1), pair.Second.Seq));
        Assert.Equal(1, first.Count(p => p.Keyframe));
        var audioPackets = await Task.Run(() => Receive(audio, p => p.Count >= 10)).DefaultTimeout();
        Assert.All(audioPackets, p => Assert.Equal(0, p.Pt));

        // A PLI on the video RTCP port asks for a keyframe; the next one comes long before the hour-long interval.
        var roomVideo = ParseVideoTarget(call.RemoteSdp);
        var pli = new byte[64];
        var writer = new RtcpWriter(pli);
        Assert.True(writer.TryWritePictureLossIndication(1234, first[0].Ssrc));
        videoRtcp.SendTo(writer.WrittenSpan, new IPEndPoint(IPAddress.Loopback, roomVideo.RtcpPort));
        var afterPli = await Task.Run(() => Receive(video, p => p.Any(x => x.Keyframe))).DefaultTimeout();
        Assert.Single(afterPli, p => p.Keyframe);
        Assert.True(afterPli[^2].ParameterSets, "a requested keyframe comes with its parameter sets");

        // So does a SIP INFO picture_fast_update (RFC 5168).
        Assert.Equal(200, await call.SendInfoAsync("application/media_control+xml",
            "<?xml version=\"1.0\" encoding=\"utf-8\" ?><media_control><vc_primitive><to_encoder><picture_fast_update/></to_encoder></vc_primitive></media_control>").DefaultTimeout());
        await Task.Run(() => Receive(video, p => p.Any(x => x.Keyframe))).DefaultTimeout();
        Assert.Equal(2, _room.Media!.KeyframeRequests);

        // What we send, the room counts: 45 packets of 50 with one gap of 5.
        var buffer = new byte[172];
        var roomAudio = ParseAudioTarget(call.RemoteSdp);
        for (var i = 0; i < 50; i++)
        {
            if (i is >= 20 and < 25)
            {
                continue;
            }

            new RtpHeader(0, (ushort)(60000 + i), (uint)(i * 160), 0xCAFE).WriteTo(buffer);
            audio.SendTo(buffer, new IPEndPoint(IPAddress.Loopback, roomAudio));
        }

        Assert.True(await WaitAsync(() => _room.Media!.Reception.Single(r => r.Media == "audio").Packets == 45),
            $"room saw {_room.Media!.Reception.Single(r => r.Media == "audio").Packets} audio packets");
        var heard = _room.Media!.Reception.Single(r => r.Media == "audio");
        Assert.Equal(5, heard.Lost);
        Assert.Equal(1, heard.SequenceGaps);
        Assert.Equal(0, heard.SsrcChanges);

        await call.HangUpAsync().DefaultTimeout();
        Assert.True(await WaitAsync(() => _room.ActiveCalls == 0));
    }

    [Fact]
    public async Task ARoomWithAFaultyLinkLosesPacketsOnTheWayOut()
    {
        var registration = await StartRoomAsync(new RoomFaults { SendLossPercent = 50 });
        Socket audio = Bind(), video = Bind();
        var call = await _relay.InviteAsync(registration.Contact, registration.Source, Offer(Port(audio), Port(video))).DefaultTimeout();
        var packets = await Task.Run(() => Receive(audio, p => p.Count >= 60)).DefaultTimeout();
        var span = (ushort)(packets[^1].Seq - packets[0].Seq) + 1;
        Assert.True(span > 80, $"60 packets spanned only {span} sequence numbers: too little loss for 50%");
        await call.HangUpAsync().DefaultTimeout();
    }

    [Fact]
    public async Task ARoomSetToRefuseAnswersWithTheStatus()
    {
        var registration = await StartRoomAsync(new RoomFaults { RefuseCallsWith = 486 });
        var e = await Assert.ThrowsAsync<SipCallFailedException>(() => _relay.InviteAsync(registration.Contact, registration.Source, Offer(40000, 40002))).DefaultTimeout();
        Assert.Equal(486, e.StatusCode);
    }

    private static (int Port, int RtcpPort) ParseVideoTarget(string sdp)
    {
        var description = Conferencing.Sip.Sdp.SessionDescription.Parse(sdp);
        var video = description.Media.Single(m => m.Media == "video");
        return (video.Port, video.Rtcp?.Port ?? video.Port + 1);
    }

    private static int ParseAudioTarget(string sdp) =>
        Conferencing.Sip.Sdp.SessionDescription.Parse(sdp).Media.Single(m => m.Media == "audio").Port;
}
