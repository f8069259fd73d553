using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Conferencing.Sip.Rtp;

namespace Conferencing.Relay.Media;

internal sealed partial class MediaChannel
{
    /// <summary>
    /// The packet path: count the packet against its source, then send it to every leg whose
    /// current source it is, each with that leg's SSRC, sequence number, timestamp and payload type.
    /// A leg waiting for a keyframe (new, or switched to a new source) gets nothing until an SPS or
    /// IDR start passes; a leg switching sources keeps the old one until the new one's keyframe.
    /// Allocates nothing unless a source appears or restarts.
    /// </summary>
    private void Forward(Span<byte> datagram, in RtpPacket packet, LegStream source, Routing routing)
    {
        long now = Stopwatch.GetTimestamp();
        int codec = source.CodecOfPayloadType[packet.PayloadType];
        source.PacketsIn++;
        source.BytesIn += datagram.Length;
        if (codec < 0)
        {
            source.DroppedIn++;
            Interlocked.Increment(ref UnknownPayloadType);
            return;
        }

        // The header is rewritten in the buffer for each leg by the portable sender, so read it first.
        ushort sequence = packet.SequenceNumber;
        uint timestamp = packet.Timestamp;
        uint ssrc = packet.Ssrc;
        bool marker = packet.Marker;
        byte first = datagram[0];
        int payloadBytes = datagram.Length - packet.PayloadOffset;

        RtpSequenceStatus status;
        lock (source.InLock)
        {
            if (!source.HasInput || ssrc != source.InSsrc)
            {
                source.InStats = new RtpReceiveStatistics(ssrc, source.ClockRate);
                source.InSsrc = ssrc;
                source.HasInput = true;
                Interlocked.Increment(ref source.Epoch);
            }

            status = source.InStats!.UpdateAt(sequence, timestamp, now);
        }

        if (status == RtpSequenceStatus.Restarted)
        {
            Interlocked.Increment(ref source.Epoch);
        }
        else if (status == RtpSequenceStatus.BadSequence)
        {
            // RFC 3550 A.1: one packet far off the sequence is held back until the next confirms a restart.
            source.DroppedIn++;
            return;
        }

        bool keyframe = false;
        bool parameterSets = false;
        if (_gateKeyframes && codec == 0)
        {
            H264PayloadInfo info = H264Payload.Classify(packet.Payload);
            keyframe = info.IsKeyframeStart;
            parameterSets = info.IsValid && (info.Flags & H264PayloadFlags.ContainsSps) != 0;
            source.ParameterSets.Observe(packet.Payload, info);
        }

        if (Kind == MediaKind.Audio && source.Leg.AudioMuted)
        {
            source.DroppedIn++;
            return;
        }

        if (Kind == MediaKind.Audio && Mix is { } mix)
        {
            mix.OnPacket(source, codec, packet, now);
            return;
        }

        if (routing.Version != _appliedVersion)
        {
            ApplyRouting(routing, now);
        }

        bool decodable = keyframe || parameterSets;
        Span<byte> header = stackalloc byte[RtpPacket.FixedHeaderLength];
        _fanOut.Begin(datagram.Length);
        LegStream[] streams = routing.Streams;
        for (int i = 0; i < streams.Length; i++)
        {
            LegStream r = streams[i];
            if (r.Pending == source)
            {
                if (decodable || !_gateKeyframes || now >= r.PendingDeadline)
                {
                    r.Current = source;
                    r.Pending = null;
                    r.Rebase = true;
                    r.AwaitKeyframe = _gateKeyframes && !decodable;
                }
            }
            else if (r.Pending is { } pending && r.Current == source && now >= r.PendingDeadline)
            {
                // The new source's keyframe did not come in time: stop showing the old source and
                // wait for the new one's keyframe with the picture frozen.
                r.Current = pending;
                r.Pending = null;
                r.Rebase = true;
                r.AwaitKeyframe = _gateKeyframes;
                _meeting.RequestKeyframe(pending.Leg, "switch timed out");
                continue;
            }

            if (r.Current != source || !r.SendEnabled)
            {
                continue;
            }

            byte payloadType = r.PayloadTypeOfCodec[codec];
            if (payloadType == LegStream.NoPayloadType)
            {
                r.HeldBack++;
                continue;
            }

            int inject = 0;
            if (r.AwaitKeyframe)
            {
                if (parameterSets)
                {
                    r.AwaitKeyframe = false;
                }
                else if (keyframe && source.ParameterSets.HasBoth)
                {
                    // An IDR without SPS/PPS in front (they went out before this leg's gate opened,
                    // or only once at the start, or only in the SDP): send the cached ones first. An
                    // IDR with none known would not decode, so the gate waits for one with them.
                    r.AwaitKeyframe = false;
                    inject = 2;
                }
                else
                {
                    r.HeldBack++;
                    continue;
                }
            }

            bool rebased = false;
            if (r.Rebase || r.CurrentEpoch != Volatile.Read(ref source.Epoch))
            {
                Rebase(r, source, sequence, timestamp, inject, now);
                rebased = true;
            }

            if (inject > 0)
            {
                _fanOut.Flush();
                InjectParameterSets(r, source, (ushort)(sequence + r.SequenceOffset - inject), timestamp + r.TimestampOffset, payloadType, datagram.Slice(RtpPacket.FixedHeaderLength, 4 * (first & 0x0F)));
            }

            ushort outSequence = (ushort)(sequence + r.SequenceOffset);
            uint outTimestamp = timestamp + r.TimestampOffset;
            header[0] = first;

            // RFC 3551 4.1: for audio the marker starts a talkspurt, which tells the jitter buffer to resync.
            header[1] = (byte)((marker || (rebased && Kind == MediaKind.Audio) ? 0x80 : 0) | payloadType);
            BinaryPrimitives.WriteUInt16BigEndian(header[2..], outSequence);
            BinaryPrimitives.WriteUInt32BigEndian(header[4..], outTimestamp);
            BinaryPrimitives.WriteUInt32BigEndian(header[8..], r.OutSsrc);
            _fanOut.Add(header, r.RtpAddress);

            if (!r.HasSent || (short)(outSequence - r.LastSequence) > 0)
            {
                r.LastSequence = outSequence;
                r.LastTimestamp = outTimestamp;
                r.LastSentAt = now;
            }

            r.HasSent = true;
            r.PacketsOut++;
            r.BytesOut += datagram.Length;
            r.PayloadBytesOut += payloadBytes;
            if (decodable)
            {
                r.LastKeyframeSentAt = now;
            }
        }

        _fanOut.Flush();
    }

    /// <summary>
    /// Makes the next packet to a leg follow the last one it got: sequence number one more, timestamp
    /// advanced by the wall-clock time since (at least one tick), whatever the new source numbers.
    /// </summary>
    private void Rebase(LegStream r, LegStream source, ushort sequence, uint timestamp, int inject, long now)
    {
        ushort next;
        uint nextTimestamp;
        if (r.HasSent)
        {
            next = (ushort)(r.LastSequence + 1);
            double elapsed = Math.Max(0, now - r.LastSentAt) * _clockPerTick;
            nextTimestamp = r.LastTimestamp + (uint)Math.Max(1, Math.Min(elapsed, int.MaxValue));
        }
        else
        {
            next = r.InitialSequence;
            nextTimestamp = r.InitialTimestamp;
        }

        r.SequenceOffset = (ushort)(next + inject - sequence);
        r.TimestampOffset = nextTimestamp - timestamp;
        r.CurrentEpoch = Volatile.Read(ref source.Epoch);
        r.Rebase = false;
    }

    /// <summary>Sends the source's cached SPS and PPS ahead of an IDR, with the IDR's timestamp and CSRC list.</summary>
    private void InjectParameterSets(LegStream r, LegStream source, ushort sequence, uint timestamp, byte payloadType, ReadOnlySpan<byte> csrcs)
    {
        SendInjected(r, source.ParameterSets.Sps, sequence, timestamp, payloadType, csrcs);
        SendInjected(r, source.ParameterSets.Pps, (ushort)(sequence + 1), timestamp, payloadType, csrcs);
    }

    private void SendInjected(LegStream r, ReadOnlySpan<byte> nal, ushort sequence, uint timestamp, byte payloadType, ReadOnlySpan<byte> csrcs)
    {
        Span<byte> packet = _injection;
        int length = new RtpHeader(payloadType, sequence, timestamp, r.OutSsrc).WriteTo(packet);
        packet[0] |= (byte)(csrcs.Length / 4);
        csrcs.CopyTo(packet[length..]);
        length += csrcs.Length;
        nal.CopyTo(packet[length..]);
        length += nal.Length;
        try
        {
            _rtp.Socket.SendTo(packet[..length], SocketFlags.None, r.RtpAddress);
        }
        catch (SocketException)
        {
            _fanOut.SendErrors++;
        }

        r.PacketsOut++;
        r.BytesOut += length;
        r.PayloadBytesOut += nal.Length;
    }

    /// <summary>
    /// Works out, for every stream, which source it should get under the new routing. A stream with
    /// nothing yet starts on its source at once (video held to a keyframe); a stream that has a
    /// source keeps it, with the new one pending, until the new one's keyframe or the timeout.
    /// </summary>
    private void ApplyRouting(Routing routing, long now)
    {
        foreach (LegStream r in routing.Streams)
        {
            if (r.Current is { Removed: true })
            {
                r.Current = null;
            }

            if (r.Pending is { Removed: true })
            {
                r.Pending = null;
            }

            LegStream? desired = routing.DesiredSource(r);
            if (desired == r.Current)
            {
                r.Pending = null;
            }
            else if (desired is null)
            {
                r.Current = null;
                r.Pending = null;
            }
            else if (desired != r.Pending)
            {
                if (r.Current is null || !_gateKeyframes || _switchTimeoutTicks == 0)
                {
                    r.Current = desired;
                    r.Pending = null;
                    r.Rebase = true;
                    r.AwaitKeyframe = _gateKeyframes;
                }
                else
                {
                    r.Pending = desired;
                    r.PendingDeadline = now + _switchTimeoutTicks;
                }
            }
        }

        _appliedVersion = routing.Version;
    }

    /// <summary>
    /// Symmetric RTP latching (<see cref="RelayOptions.Latching"/>): a packet from an unknown address,
    /// with a payload type the leg negotiated, is taken as the media of a leg that has sent nothing
    /// yet, when exactly one such leg is on the same host, or exactly one such leg exists at all (an
    /// endpoint behind NAT). From then on the relay sends the leg its media there.
    /// </summary>
    private LegStream? TryLatch(SocketAddress from, int payloadType)
    {
        Routing routing = Volatile.Read(ref _routing);
        int waiting = 0;
        foreach (LegStream s in routing.Streams)
        {
            if (!s.HasInput && s.CodecOfPayloadType[payloadType] >= 0)
            {
                waiting++;
            }
        }

        if (waiting == 0)
        {
            return null;
        }

        lock (_publishLock)
        {
            routing = _routing;
            if (routing.ByRtp.TryGetValue(from, out LegStream? known))
            {
                return known;
            }

            LegStream? sameHost = null;
            LegStream? any = null;
            int sameHostCount = 0;
            int anyCount = 0;
            foreach (LegStream s in routing.Streams)
            {
                if (s.HasInput || s.Removed || s.CodecOfPayloadType[payloadType] < 0)
                {
                    continue;
                }

                anyCount++;
                any = s;
                if (SameHost(s.RtpAddress, from))
                {
                    sameHostCount++;
                    sameHost = s;
                }
            }

            LegStream? chosen = sameHostCount == 1 ? sameHost : anyCount == 1 ? any : null;
            if (chosen is null)
            {
                return null;
            }

            var endPoint = (IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(from);
            chosen.SetRemote(endPoint, new IPEndPoint(endPoint.Address, endPoint.Port + 1));
            Volatile.Write(ref _routing, new Routing(routing.Version, routing.Streams, routing.Program, routing.ReturnFeed));
            Interlocked.Increment(ref Latched);
            Log.Latched(_logger, _meeting.Number, chosen.Leg.LegId, Kind, endPoint);
            return chosen;
        }
    }

    private static bool SameHost(SocketAddress a, SocketAddress b)
    {
        if (a.Family != b.Family)
        {
            return false;
        }

        // Native sockaddr layout: IPv4 address at bytes 4-7, IPv6 at 8-23.
        ReadOnlySpan<byte> x = a.Buffer.Span;
        ReadOnlySpan<byte> y = b.Buffer.Span;
        return a.Family == AddressFamily.InterNetwork
            ? x.Slice(4, 4).SequenceEqual(y.Slice(4, 4))
            : x.Slice(8, 16).SequenceEqual(y.Slice(8, 16));
    }
}
