using Conferencing.Sip.Rtp;

namespace Conferencing.Sip.Tests.Rtp;

public sealed class RtpPacketTests
{
    // V=2, M=1, PT=96, seq=0x1234, ts=0xDEADBEEF, SSRC=0x01020304, payload "abc".
    private static readonly byte[] Simple =
        [0x80, 0xE0, 0x12, 0x34, 0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x02, 0x03, 0x04, (byte)'a', (byte)'b', (byte)'c'];

    [Fact]
    public void ReadsTheFixedHeaderFields()
    {
        Assert.True(RtpPacket.TryRead(Simple, out RtpPacket packet));
        Assert.True(packet.Marker);
        Assert.Equal(96, packet.PayloadType);
        Assert.Equal(0x1234, packet.SequenceNumber);
        Assert.Equal(0xDEADBEEF, packet.Timestamp);
        Assert.Equal(0x01020304u, packet.Ssrc);
        Assert.Equal(0, packet.CsrcCount);
        Assert.False(packet.HasExtension);
        Assert.Equal(12, packet.PayloadOffset);
        Assert.Equal("abc"u8.ToArray(), packet.Payload.ToArray());
    }

    [Fact]
    public void ReadsCsrcsExtensionAndPadding()
    {
        // CC=2, X=1, P=1; one-byte extension with id 1 (2 bytes) and id 3 (1 byte); payload 2 bytes; 3 padding bytes.
        byte[] data =
        [
            0xB2, 0x08, 0x00, 0x01, 0x00, 0x00, 0x00, 0x10, 0xAA, 0xBB, 0xCC, 0xDD,
            0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x06,
            0xBE, 0xDE, 0x00, 0x02, 0x11, 0x01, 0x02, 0x30, 0x09, 0x00, 0x00, 0x00,
            0x77, 0x88,
            0x00, 0x00, 0x03,
        ];

        Assert.True(RtpPacket.TryRead(data, out RtpPacket packet, out RtpReadError error));
        Assert.Equal(RtpReadError.None, error);
        Assert.Equal(2, packet.CsrcCount);
        Assert.Equal(5u, packet.GetCsrc(0));
        Assert.Equal(6u, packet.GetCsrc(1));
        Assert.Equal(0xBEDE, packet.ExtensionProfile);
        Assert.Equal(8, packet.ExtensionData.Length);
        Assert.Equal(32, packet.PayloadOffset);
        Assert.Equal([0x77, 0x88], packet.Payload.ToArray());
        Assert.Equal(3, packet.PaddingLength);

        var ids = new List<(int Id, byte[] Data)>();
        foreach (RtpHeaderExtensionElement element in packet.GetExtensionElements())
        {
            ids.Add((element.Id, element.Data.ToArray()));
        }

        Assert.Equal(2, ids.Count);
        Assert.Equal(1, ids[0].Id);
        Assert.Equal([0x01, 0x02], ids[0].Data);
        Assert.Equal(3, ids[1].Id);
        Assert.Equal([0x09], ids[1].Data);
    }

    [Fact]
    public void IteratesTwoByteExtensionElements()
    {
        byte[] data =
        [
            0x90, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x10, 0xAA, 0xBB, 0xCC, 0xDD,
            0x10, 0x00, 0x00, 0x02, 0x05, 0x03, 0x01, 0x02, 0x03, 0x00, 0x07, 0x00,
        ];

        Assert.True(RtpPacket.TryRead(data, out RtpPacket packet));
        var enumerator = packet.GetExtensionElements();
        Assert.True(enumerator.MoveNext());
        Assert.Equal(5, enumerator.Current.Id);
        Assert.Equal(3, enumerator.Current.Data.Length);
        Assert.True(enumerator.MoveNext());
        Assert.Equal(7, enumerator.Current.Id);
        Assert.Equal(0, enumerator.Current.Data.Length);
        Assert.False(enumerator.MoveNext());
    }

    public static TheoryData<string, byte[], RtpReadError> InvalidPackets => new()
    {
        { "empty", [], RtpReadError.TooShort },
        { "eleven bytes", [0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], RtpReadError.TooShort },
        { "version 1", [0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], RtpReadError.BadVersion },
        { "version 0 (STUN-like)", [0x00, 0x01, 0, 0, 0x21, 0x12, 0xA4, 0x42, 0, 0, 0, 0], RtpReadError.BadVersion },
        { "CSRC list past the end", [0x81, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2], RtpReadError.TruncatedCsrcList },
        { "extension header missing", [0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xBE, 0xDE], RtpReadError.TruncatedExtension },
        { "extension length past the end", [0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xBE, 0xDE, 0, 2, 0x10, 0, 0, 0], RtpReadError.TruncatedExtension },
        { "padding count zero", [0xA0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0], RtpReadError.BadPadding },
        { "padding into the header", [0xA0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 4], RtpReadError.BadPadding },
        { "padding bit without room", [0xA0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 13], RtpReadError.BadPadding },
    };

    [Theory]
    [MemberData(nameof(InvalidPackets))]
    public void RefusesMalformedPackets(string name, byte[] data, RtpReadError expected)
    {
        Assert.False(RtpPacket.TryRead(data, out _, out RtpReadError error), name);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void EveryTruncationOfAValidPacketIsReadOrRefusedWithoutThrowing()
    {
        byte[] data =
        [
            0xB1, 0x08, 0x00, 0x01, 0x00, 0x00, 0x00, 0x10, 0xAA, 0xBB, 0xCC, 0xDD, 0, 0, 0, 5,
            0xBE, 0xDE, 0x00, 0x01, 0x11, 0x01, 0x02, 0x00, 0x77, 0x88, 0x00, 0x02,
        ];
        for (int i = 0; i <= data.Length; i++)
        {
            if (RtpPacket.TryRead(data.AsSpan(0, i), out RtpPacket packet))
            {
                Assert.True(packet.PayloadOffset + packet.PayloadLength <= i);
            }
        }
    }

    [Fact]
    public void WritesAHeaderThatReadsBack()
    {
        Span<byte> buffer = stackalloc byte[40];
        var header = new RtpHeader(111, 65535, 123456789, 0xCAFEBABE, Marker: true);
        int written = header.WriteTo(buffer, [1u, 2u]);

        Assert.Equal(20, written);
        Assert.True(RtpPacket.TryRead(buffer[..written], out RtpPacket packet));
        Assert.Equal(111, packet.PayloadType);
        Assert.True(packet.Marker);
        Assert.Equal(65535, packet.SequenceNumber);
        Assert.Equal(123456789u, packet.Timestamp);
        Assert.Equal(0xCAFEBABE, packet.Ssrc);
        Assert.Equal(2u, packet.GetCsrc(1));
        Assert.Equal(0, packet.PayloadLength);
    }

    [Fact]
    public void RewritesFieldsInPlaceAndKeepsTheRest()
    {
        byte[] data = (byte[])Simple.Clone();
        RtpHeader.Rewrite(data, 0x11223344, 7, 90000);
        RtpHeader.SetPayloadType(data, 100);
        RtpHeader.SetMarker(data, false);

        Assert.True(RtpPacket.TryRead(data, out RtpPacket packet));
        Assert.Equal(0x11223344u, packet.Ssrc);
        Assert.Equal(7, packet.SequenceNumber);
        Assert.Equal(90000u, packet.Timestamp);
        Assert.Equal(100, packet.PayloadType);
        Assert.False(packet.Marker);
        Assert.Equal("abc"u8.ToArray(), packet.Payload.ToArray());

        RtpHeader.SetMarker(data, true);
        RtpHeader.SetSsrc(data, 9);
        RtpHeader.SetSequenceNumber(data, 8);
        RtpHeader.SetTimestamp(data, 10);
        Assert.True(RtpPacket.TryRead(data, out packet));
        Assert.True(packet.Marker);
        Assert.Equal(100, packet.PayloadType);
        Assert.Equal((9u, (ushort)8, 10u), (packet.Ssrc, packet.SequenceNumber, packet.Timestamp));
    }

    [Fact]
    public void WriterRefusesBadArguments()
    {
        byte[] small = new byte[11];
        Assert.Throws<ArgumentException>(() => new RtpHeader(0, 0, 0, 0).WriteTo(small));
        Assert.Throws<ArgumentException>(() => RtpHeader.SetSsrc(small, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => RtpHeader.SetPayloadType(new byte[12], 128));
    }
}
