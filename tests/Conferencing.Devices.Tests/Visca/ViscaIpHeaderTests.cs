using Conferencing.Devices.Visca;
using static Conferencing.Devices.Tests.Bytes;

namespace Conferencing.Devices.Tests.Visca;

public class ViscaIpHeaderTests
{
    [Fact]
    public void CommandHeaderIsTypeLengthAndSequenceBigEndian()
    {
        var packet = ViscaIpHeader.Packet(ViscaIpPayloadType.ViscaCommand, 0x01020304, ViscaCommands.PowerOn());
        Assert.Equal(Hex("01 00 00 06 01 02 03 04 81 01 04 00 02 FF"), packet);
    }

    [Theory]
    [InlineData(ViscaIpPayloadType.ViscaInquiry, "01 10 00 05 00 00 00 07 81 09 04 00 FF")]
    [InlineData(ViscaIpPayloadType.ViscaReply, "01 11 00 05 00 00 00 07 81 09 04 00 FF")]
    [InlineData(ViscaIpPayloadType.ViscaDeviceSetting, "01 20 00 05 00 00 00 07 81 09 04 00 FF")]
    public void PayloadTypesAreTheSpecificationsValues(ViscaIpPayloadType type, string expected) =>
        Assert.Equal(Hex(expected), ViscaIpHeader.Packet(type, 7, ViscaCommands.PowerInquiry()));

    [Fact]
    public void ResetIsAControlCommandWithPayloadOne()
    {
        Assert.Equal(Hex("02 00 00 01 00 00 00 00 01"), ViscaIpHeader.Packet(ViscaIpPayloadType.ControlCommand, 0, [ViscaIpHeader.ControlReset]));
        Assert.Equal(Hex("02 01 00 01 00 00 00 00 01"), ViscaIpHeader.Packet(ViscaIpPayloadType.ControlReply, 0, [ViscaIpHeader.ControlResetAck]));
        Assert.Equal(Hex("02 00 00 02 00 00 00 05 0F 01"), ViscaIpHeader.Packet(ViscaIpPayloadType.ControlCommand, 5, [ViscaIpHeader.ControlError, ViscaIpHeader.ControlErrorSequence]));
    }

    [Fact]
    public void ReplyDatagramParses()
    {
        Assert.True(ViscaIpHeader.TryParse(Hex("01 11 00 03 FF FF FF FE 90 41 FF"), out var header, out var payload, out var reason), reason);
        Assert.Equal(ViscaIpPayloadType.ViscaReply, header.PayloadType);
        Assert.Equal(3, header.PayloadLength);
        Assert.Equal(0xFFFFFFFEu, header.Sequence);
        Assert.Equal("9041FF", Convert.ToHexString(payload));
    }

    [Theory]
    [InlineData("01 11 00 03 00 00 00")]
    [InlineData("01 11 00 04 00 00 00 01 90 41 FF")]
    [InlineData("01 11 00 02 00 00 00 01 90 41 FF")]
    [InlineData("01 11 00 00 00 00 00 01")]
    [InlineData("03 00 00 03 00 00 00 01 90 41 FF")]
    [InlineData("01 11 00 11 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00")]
    public void MalformedDatagramsAreRefusedWithAReason(string bytes)
    {
        Assert.False(ViscaIpHeader.TryParse(Hex(bytes), out _, out _, out var reason));
        Assert.False(string.IsNullOrEmpty(reason));
    }

    [Fact]
    public void EveryTruncatedPrefixIsRefused()
    {
        var packet = ViscaIpHeader.Packet(ViscaIpPayloadType.ViscaCommand, 1, ViscaCommands.PresetRecall(2));
        for (var i = 0; i < packet.Length; i++)
        {
            Assert.False(ViscaIpHeader.TryParse(packet.AsSpan(0, i), out _, out _, out _));
        }
    }

    [Fact]
    public void PayloadsOutsideOneToSixteenBytesAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ViscaIpHeader.Packet(ViscaIpPayloadType.ViscaCommand, 1, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => ViscaIpHeader.Packet(ViscaIpPayloadType.ViscaCommand, 1, new byte[17]));
    }
}
