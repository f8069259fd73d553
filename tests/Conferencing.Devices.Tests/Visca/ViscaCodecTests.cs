using Conferencing.Devices.Visca;
using static Conferencing.Devices.Tests.Bytes;

namespace Conferencing.Devices.Tests.Visca;

public class ViscaCodecTests
{
    // Exact frames from Sony's VISCA command list (camera address 1).
    public static TheoryData<string, byte[]> Commands => new()
    {
        { "81 01 04 00 02 FF", ViscaCommands.PowerOn() },
        { "81 01 04 00 03 FF", ViscaCommands.PowerOff() },
        { "81 01 04 3F 02 05 FF", ViscaCommands.PresetRecall(5) },
        { "81 01 04 3F 01 7F FF", ViscaCommands.PresetSet(0x7F) },
        { "81 01 04 3F 00 00 FF", ViscaCommands.PresetReset(0) },
        { "81 01 06 04 FF", ViscaCommands.Home() },
        { "81 01 06 01 08 07 03 01 FF", ViscaCommands.PanTiltDrive(PanTiltDirection.Up, 8, 7) },
        { "81 01 06 01 18 17 03 02 FF", ViscaCommands.PanTiltDrive(PanTiltDirection.Down, 0x18, 0x17) },
        { "81 01 06 01 01 01 01 03 FF", ViscaCommands.PanTiltDrive(PanTiltDirection.Left, 1, 1) },
        { "81 01 06 01 01 01 02 03 FF", ViscaCommands.PanTiltDrive(PanTiltDirection.Right, 1, 1) },
        { "81 01 06 01 05 05 01 01 FF", ViscaCommands.PanTiltDrive(PanTiltDirection.UpLeft, 5, 5) },
        { "81 01 06 01 05 05 02 02 FF", ViscaCommands.PanTiltDrive(PanTiltDirection.DownRight, 5, 5) },
        { "81 01 06 01 05 05 03 03 FF", ViscaCommands.PanTiltDrive(PanTiltDirection.Stop, 5, 5) },
        { "81 01 04 07 02 FF", ViscaCommands.Zoom(ZoomDirection.Tele) },
        { "81 01 04 07 03 FF", ViscaCommands.Zoom(ZoomDirection.Wide) },
        { "81 01 04 07 00 FF", ViscaCommands.Zoom(ZoomDirection.Stop) },
        { "81 09 04 00 FF", ViscaCommands.PowerInquiry() },
        { "81 09 06 12 FF", ViscaCommands.PanTiltPositionInquiry() },
        { "81 09 04 47 FF", ViscaCommands.ZoomPositionInquiry() },
        { "83 01 04 00 02 FF", ViscaCommands.PowerOn(address: 3) },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void CommandsAreTheSpecificationsBytes(string expected, byte[] actual) => Assert.Equal(Hex(expected), actual);

    [Fact]
    public void OutOfRangeArgumentsAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ViscaCommands.PresetRecall(0x80));
        Assert.Throws<ArgumentOutOfRangeException>(() => ViscaCommands.PresetRecall(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ViscaCommands.PanTiltDrive(PanTiltDirection.Up, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ViscaCommands.PanTiltDrive(PanTiltDirection.Up, 1, 0x18));
        Assert.Throws<ArgumentOutOfRangeException>(() => ViscaCommands.PowerOn(address: 8));
    }

    public static TheoryData<string, ViscaReplyKind, int, ViscaError, string> Replies => new()
    {
        { "90 41 FF", ViscaReplyKind.Ack, 1, 0, "" },
        { "90 42 FF", ViscaReplyKind.Ack, 2, 0, "" },
        { "90 51 FF", ViscaReplyKind.Completion, 1, 0, "" },
        { "90 50 02 FF", ViscaReplyKind.Completion, 0, 0, "02" },
        { "90 50 0F 0E 0D 0C 00 01 02 03 FF", ViscaReplyKind.Completion, 0, 0, "0F0E0D0C00010203" },
        { "90 60 02 FF", ViscaReplyKind.Error, 0, ViscaError.Syntax, "" },
        { "90 60 03 FF", ViscaReplyKind.Error, 0, ViscaError.CommandBufferFull, "" },
        { "90 61 04 FF", ViscaReplyKind.Error, 1, ViscaError.CommandCanceled, "" },
        { "90 61 05 FF", ViscaReplyKind.Error, 1, ViscaError.NoSocket, "" },
        { "90 61 41 FF", ViscaReplyKind.Error, 1, ViscaError.NotExecutable, "" },
        { "90 60 01 FF", ViscaReplyKind.Error, 0, ViscaError.MessageLength, "" },
    };

    [Theory]
    [MemberData(nameof(Replies))]
    public void RepliesParse(string bytes, ViscaReplyKind kind, int socket, ViscaError error, string data)
    {
        Assert.True(ViscaReply.TryParse(Hex(bytes), out var reply, out var reason), reason);
        Assert.Equal(1, reply.Address);
        Assert.Equal(kind, reply.Kind);
        Assert.Equal(socket, reply.Socket);
        Assert.Equal(error, reply.Error);
        Assert.Equal(data, Convert.ToHexString(reply.Data));
    }

    [Fact]
    public void ReplyBuildersWriteTheSpecificationsBytes()
    {
        Assert.Equal(Hex("90 41 FF"), ViscaReply.Ack(1));
        Assert.Equal(Hex("90 51 FF"), ViscaReply.Completion(1));
        Assert.Equal(Hex("90 61 41 FF"), ViscaReply.ErrorReply(ViscaError.NotExecutable, 1));
        Assert.Equal(Hex("90 50 03 FF"), ViscaReply.InquiryCompletion([0x03]));
        Assert.Equal(Hex("A0 41 FF"), ViscaReply.Ack(1, address: 2));
    }

    [Theory]
    [InlineData("")]
    [InlineData("FF")]
    [InlineData("90 FF")]
    [InlineData("90 41")]
    [InlineData("90 41 00")]
    [InlineData("81 01 FF")]
    [InlineData("90 41 FF FF")]
    [InlineData("90 70 FF")]
    [InlineData("90 60 FF")]
    [InlineData("90 41 02 FF")]
    [InlineData("80 41 FF")]
    [InlineData("90 50 00 00 00 00 00 00 00 00 00 00 00 00 00 00 FF")]
    public void MalformedRepliesAreRefusedWithAReason(string bytes)
    {
        Assert.False(ViscaReply.TryParse(Hex(bytes), out _, out var reason));
        Assert.False(string.IsNullOrEmpty(reason));
    }

    [Fact]
    public void EveryTruncatedPrefixOfAnInquiryReplyIsRefused()
    {
        var reply = Hex("90 50 0F 0E 0D 0C 00 01 02 03 FF");
        for (var i = 0; i < reply.Length; i++)
        {
            Assert.False(ViscaReply.TryParse(reply.AsSpan(0, i), out _, out _));
        }
    }

    [Theory]
    [InlineData(0, "00000000")]
    [InlineData(0x1234, "01020304")]
    [InlineData(0xFFFF, "0F0F0F0F")]
    [InlineData(0xFC00, "0F0C0000")]
    public void PositionsRoundTripThroughNibbles(int value, string nibbles)
    {
        var buffer = new byte[4];
        ViscaCommands.WriteNibbles((ushort)value, buffer);
        Assert.Equal(nibbles, Convert.ToHexString(buffer));
        Assert.True(ViscaCommands.TryReadNibbles(buffer, out var back));
        Assert.Equal(value, back);
        Assert.False(ViscaCommands.TryReadNibbles(Hex("01 02 13 04"), out _));
    }
}
