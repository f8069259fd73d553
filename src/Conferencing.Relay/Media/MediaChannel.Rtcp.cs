using System.Diagnostics;
using System.Net;
using Conferencing.Sip.Rtp;
using Microsoft.Extensions.Logging;

namespace Conferencing.Relay.Media;

internal sealed partial class MediaChannel
{
    /// <summary>One datagram on the RTCP port.</summary>
    internal void OnRtcp(Span<byte> datagram, SocketAddress from) => HandleRtcp(datagram, from, Volatile.Read(ref _routing), muxed: false);

    /// <summary>
    /// Reads a leg's compound RTCP: its sender reports (for the LSR/DLSR of our reports to it), its
    /// report blocks about the stream the relay sends it (loss, jitter, round trip), and keyframe
    /// requests (PLI, FIR, RFC 2032 FIR), which go to the source of what the leg receives.
    /// </summary>
    private void HandleRtcp(ReadOnlySpan<byte> datagram, SocketAddress from, Routing routing, bool muxed)
    {
        // Some endpoints send RTCP from their RTP port, some RTP+1, whatever they announced.
        if (!(muxed ? routing.ByRtp : routing.ByRtcp).TryGetValue(from, out LegStream? leg)
            && !(muxed ? routing.ByRtcp : routing.ByRtp).TryGetValue(from, out leg))
        {
            Interlocked.Increment(ref UnknownSource);
            return;
        }

        if (!RtcpCompoundReader.Validate(datagram, out _))
        {
            Interlocked.Increment(ref BadRtcp);
            return;
        }

        long now = Stopwatch.GetTimestamp();
        uint arrival = NtpTimestamp.Now.Middle32;
        bool keyframeRequest = false;
        foreach (RtcpPacket packet in new RtcpCompoundReader(datagram))
        {
            switch (packet.Type)
            {
                case RtcpPacketType.SenderReport when RtcpSenderReport.TryRead(packet, out RtcpSenderReport sr):
                    lock (leg.InLock)
                    {
                        if (leg.InStats is { } stats && sr.Ssrc == leg.InSsrc)
                        {
                            stats.OnSenderReport(sr.NtpTimestamp, now);
                        }
                    }

                    for (int i = 0; i < sr.ReportCount; i++)
                    {
                        ReadBlock(leg, sr.GetReportBlock(i), arrival);
                    }

                    break;
                case RtcpPacketType.ReceiverReport when RtcpReceiverReport.TryRead(packet, out RtcpReceiverReport rr):
                    for (int i = 0; i < rr.ReportCount; i++)
                    {
                        ReadBlock(leg, rr.GetReportBlock(i), arrival);
                    }

                    break;
                case RtcpPacketType.LegacyFullIntraRequest when packet.IsKeyframeRequest:
                    leg.Leg.UsesLegacyFir = true;
                    keyframeRequest = true;
                    break;
                case RtcpPacketType.PayloadFeedback when packet.IsKeyframeRequest:
                    keyframeRequest = true;
                    break;
            }
        }

        if (keyframeRequest && Kind == MediaKind.Video)
        {
            _meeting.OnKeyframeRequested(leg, "RTCP");
        }
    }

    private static void ReadBlock(LegStream leg, in RtcpReportBlock block, uint arrival)
    {
        if (block.Ssrc == leg.OutSsrc)
        {
            leg.OnReceiverReport(block, arrival);
        }
    }

    /// <summary>
    /// Sends every leg of the channel its report: an SR when the relay sends the leg media (sender
    /// info for our stream to it), else an RR, each with a block about the leg's own stream, and
    /// SDES CNAME. Runs on the node's report loop.
    /// </summary>
    public void SendReports(string canonicalName)
    {
        Routing routing = Volatile.Read(ref _routing);
        Span<byte> buffer = stackalloc byte[512];
        Span<RtcpReportBlock> blocks = stackalloc RtcpReportBlock[1];
        long now = Stopwatch.GetTimestamp();
        NtpTimestamp ntp = NtpTimestamp.Now;
        foreach (LegStream s in routing.Streams)
        {
            int count = 0;
            lock (s.InLock)
            {
                if (s.InStats is { } stats)
                {
                    blocks[0] = stats.CreateReportBlock(now);
                    s.FractionLostIn = blocks[0].FractionLost;
                    count = 1;
                }
            }

            var writer = new RtcpWriter(buffer);
            if (s.HasSent)
            {
                // The RTP time that matches the NTP time: the last timestamp sent, run on since.
                uint rtpTimestamp = s.LastTimestamp + (uint)(Math.Max(0, now - s.LastSentAt) * _clockPerTick);
                writer.TryWriteSenderReport(s.OutSsrc, ntp, rtpTimestamp, (uint)s.PacketsOut, (uint)s.PayloadBytesOut, blocks[..count]);
            }
            else
            {
                writer.TryWriteReceiverReport(s.OutSsrc, blocks[..count]);
            }

            writer.TryWriteSourceDescription(s.OutSsrc, canonicalName);
            SendRtcp(s, writer.WrittenSpan);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 20101, Level = LogLevel.Error, Message = "Meeting {Meeting}: handling a {Kind} datagram failed")]
        public static partial void HandlerFailed(ILogger logger, Exception exception, string meeting, MediaKind kind);

        [LoggerMessage(EventId = 20102, Level = LogLevel.Information, Message = "Meeting {Meeting}: leg {Leg} {Kind} latched to {EndPoint}")]
        public static partial void Latched(ILogger logger, string meeting, string leg, MediaKind kind, IPEndPoint endPoint);
    }
}
