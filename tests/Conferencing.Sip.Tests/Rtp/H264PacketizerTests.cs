using Conferencing.Sip.Rtp;

namespace Conferencing.Sip.Tests.Rtp;

public sealed class H264PacketizerTests
{
    public static TheoryData<int, int> Sizes => new()
    {
        { 1, 1100 }, { 50, 1100 }, { 1100, 1100 }, { 1101, 1100 }, { 2197, 1100 }, { 2198, 1100 }, { 10_000, 1100 }, { 300, 3 },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void AUnitSurvivesPacketizingAndDepacketizingWhateverItsSize(int length, int maxPayload)
    {
        var nal = Nal(0x65, length);
        var payloads = Packetize(nal, maxPayload);
        Assert.All(payloads, p => Assert.InRange(p.Length, 1, maxPayload));
        if (length <= maxPayload)
        {
            Assert.Equal(nal, Assert.Single(payloads));
        }
        else
        {
            // RFC 6184 5.8: FU indicator keeps F and NRI with type 28; the header has S on the first, E on the last, the unit's type.
            Assert.All(payloads, p => Assert.Equal(0x60 | H264Payload.FuA, p[0]));
            Assert.Equal(0x85, payloads[0][1]);
            Assert.Equal(0x45, payloads[^1][1]);
            Assert.All(payloads.Skip(1).SkipLast(1), p => Assert.Equal(0x05, p[1]));
        }

        var unit = Depacketize(payloads, 1000, 7).Single();
        Assert.Equal([0, 0, 0, 1, .. nal], unit.AnnexB);
        Assert.True(unit.IsKeyframe);
    }

    [Fact]
    public void AStapACarriesItsUnitsAndTakesTheHighestNri()
    {
        byte[] sps = [0x67, 0x42, 0xE0, 0x1E], pps = [0x68, 0xCE, 0x3C, 0x80], sei = [0x06, 0x05, 0x01, 0xAA, 0x80];
        var buffer = new byte[100];
        var length = H264Packetizer.BeginStapA(buffer);
        length = H264Packetizer.AppendToStapA(buffer, length, sei);
        length = H264Packetizer.AppendToStapA(buffer, length, sps);
        length = H264Packetizer.AppendToStapA(buffer, length, pps);
        Assert.Equal(H264Packetizer.StapALength([sei.Length, sps.Length, pps.Length]), length);
        Assert.Equal(0x78, buffer[0]);
        var info = H264Payload.Classify(buffer.AsSpan(0, length));
        Assert.True(info.IsValid && info.Flags.HasFlag(H264PayloadFlags.ContainsSps) && info.NalUnitCount == 3);
        var unit = Depacketize([buffer[..length]], 5, 1).Single();
        Assert.Equal([0, 0, 0, 1, .. sei, 0, 0, 0, 1, .. sps, 0, 0, 0, 1, .. pps], unit.AnnexB);
    }

    [Fact]
    public void AnAccessUnitWithALostFragmentIsDroppedAndTheNextOneComesThrough()
    {
        var first = Packetize(Nal(0x65, 3000), 1100);
        var second = Packetize(Nal(0x41, 500), 1100);
        var depacketizer = new H264Depacketizer();
        var units = new List<H264AccessUnit>();
        ushort sequence = 10;
        for (var i = 0; i < first.Count; i++)
        {
            if (i != 1 && Push(depacketizer, first[i], sequence, 3000, i == first.Count - 1) is { } unit)
            {
                units.Add(unit);
            }

            sequence++;
        }

        foreach (var payload in second)
        {
            if (Push(depacketizer, payload, sequence++, 9000, marker: true) is { } unit)
            {
                units.Add(unit);
            }
        }

        Assert.Equal(9000u, Assert.Single(units).Timestamp);
        Assert.Equal(1, depacketizer.DroppedAccessUnits);
    }

    [Fact]
    public void AnAccessUnitEndsAtTheNextTimestampWhenItsMarkerWasNotSet()
    {
        var depacketizer = new H264Depacketizer();
        Assert.Null(Push(depacketizer, [0x41, 1, 2], 1, 100, marker: false));
        var done = Push(depacketizer, [0x41, 3, 4], 2, 200, marker: false);
        Assert.Equal(100u, done!.Timestamp);
        Assert.False(done.IsKeyframe);
    }

    [Fact]
    public void AnAnnexBStreamSplitsIntoItsUnitsWithEitherStartCode()
    {
        byte[] stream = [0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 0, 1, 0x65, 4, 5, 0];
        var units = H264Packetizer.SplitAnnexB(stream).Select(u => u.ToArray()).ToList();
        Assert.Equal([[0x67, 1, 2], [0x68, 3], [0x65, 4, 5]], units);
    }

    [Fact]
    public void BadArgumentsAreRefused()
    {
        var position = 0;
        Assert.Throws<ArgumentException>(() => H264Packetizer.WriteNext([], ref position, 1100, new byte[1100]));
        Assert.Throws<ArgumentException>(() => H264Packetizer.WriteNext(Nal(0x65, 10), ref position, 2, new byte[10]));
        Assert.Throws<ArgumentException>(() => H264Packetizer.AppendToStapA(new byte[4], 1, [0x67, 1, 2]));
    }

    private static byte[] Nal(byte header, int length)
    {
        var nal = new byte[length];
        nal[0] = header;
        for (var i = 1; i < length; i++)
        {
            nal[i] = (byte)(i % 251 + 1);
        }

        return nal;
    }

    private static List<byte[]> Packetize(byte[] nal, int maxPayload)
    {
        var payloads = new List<byte[]>();
        var buffer = new byte[Math.Max(maxPayload, nal.Length)];
        var position = 0;
        while (position < nal.Length)
        {
            var length = H264Packetizer.WriteNext(nal, ref position, maxPayload, buffer);
            payloads.Add(buffer[..length]);
        }

        return payloads;
    }

    private static List<H264AccessUnit> Depacketize(List<byte[]> payloads, uint timestamp, ushort sequence)
    {
        var depacketizer = new H264Depacketizer();
        var units = new List<H264AccessUnit>();
        for (var i = 0; i < payloads.Count; i++)
        {
            if (Push(depacketizer, payloads[i], (ushort)(sequence + i), timestamp, i == payloads.Count - 1) is { } unit)
            {
                units.Add(unit);
            }
        }

        Assert.Equal(0, depacketizer.DroppedAccessUnits);
        return units;
    }

    private static H264AccessUnit? Push(H264Depacketizer depacketizer, byte[] payload, ushort sequence, uint timestamp, bool marker)
    {
        var packet = new byte[RtpPacket.FixedHeaderLength + payload.Length];
        new RtpHeader(96, sequence, timestamp, 0x1234, marker).WriteTo(packet);
        payload.CopyTo(packet, RtpPacket.FixedHeaderLength);
        Assert.True(RtpPacket.TryRead(packet, out var rtp));
        return depacketizer.Push(rtp);
    }
}
