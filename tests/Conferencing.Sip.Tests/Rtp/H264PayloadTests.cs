using Conferencing.Sip.Rtp;

namespace Conferencing.Sip.Tests.Rtp;

public sealed class H264PayloadTests
{
    private const H264PayloadFlags Idr = H264PayloadFlags.ContainsIdr;
    private const H264PayloadFlags Sps = H264PayloadFlags.ContainsSps;
    private const H264PayloadFlags Pps = H264PayloadFlags.ContainsPps;
    private const H264PayloadFlags Fragment = H264PayloadFlags.IsFragment;
    private const H264PayloadFlags Start = H264PayloadFlags.IsFragmentStart;
    private const H264PayloadFlags End = H264PayloadFlags.IsFragmentEnd;
    private const H264PayloadFlags Aggregate = H264PayloadFlags.IsAggregate;
    private const H264PayloadFlags Malformed = H264PayloadFlags.Malformed;

    public static TheoryData<string, byte[], H264PayloadFlags, int, bool> Vectors => new()
    {
        { "single non-IDR slice", [0x41, 0x9A, 0x00], H264PayloadFlags.None, 1, false },
        { "single IDR slice", [0x65, 0x88, 0x84], Idr, 5, true },
        { "single SPS", [0x67, 0x42, 0xC0, 0x1F], Sps, 7, false },
        { "single PPS", [0x68, 0xCE, 0x3C, 0x80], Pps, 8, false },
        { "single SEI", [0x06, 0x05, 0x01], H264PayloadFlags.None, 6, false },
        {
            "STAP-A with SPS, PPS and IDR",
            [0x78, 0x00, 0x04, 0x67, 0x42, 0xC0, 0x1F, 0x00, 0x03, 0x68, 0xCE, 0x3C, 0x00, 0x02, 0x65, 0x88],
            Aggregate | Sps | Pps | Idr, 7, true
        },
        { "STAP-A with SPS and PPS only", [0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xCE], Aggregate | Sps | Pps, 7, false },
        { "STAP-B with IDR", [0x79, 0x00, 0x07, 0x00, 0x02, 0x65, 0x88], Aggregate | Idr, 5, true },
        { "MTAP16 with IDR", [0x7A, 0x00, 0x01, 0x00, 0x05, 0x00, 0x00, 0x10, 0x65, 0x88], Aggregate | Idr, 5, true },
        { "MTAP24 with SPS", [0x7B, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00, 0x00, 0x10, 0x67, 0x42], Aggregate | Sps, 7, false },
        { "FU-A start of IDR", [0x7C, 0x85, 0xB8, 0x00], Fragment | Start | Idr, 5, true },
        { "FU-A middle of IDR", [0x7C, 0x05, 0x11, 0x22], Fragment | Idr, 5, false },
        { "FU-A end of IDR", [0x7C, 0x45, 0x33], Fragment | End | Idr, 5, false },
        { "FU-A start of non-IDR", [0x5C, 0x81, 0x9A], Fragment | Start, 1, false },
        { "FU-B start of IDR", [0x7D, 0x85, 0x00, 0x01, 0xB8], Fragment | Start | Idr, 5, true },
        { "empty", [], Malformed, 0, false },
        { "forbidden bit", [0xE5, 0x88], Malformed, 5, false },
        { "reserved type 30", [0x7E, 0x00], Malformed, 30, false },
        { "type 0", [0x00, 0x00], Malformed, 0, false },
        { "STAP-A header only", [0x78], Aggregate | Malformed, 0, false },
        { "STAP-A size past the end", [0x78, 0x00, 0x04, 0x67, 0x42, 0x00, 0x10, 0x65, 0x88], Aggregate | Sps | Malformed, 7, false },
        { "STAP-A dangling size byte", [0x78, 0x00, 0x02, 0x67, 0x42, 0x00], Aggregate | Sps | Malformed, 7, false },
        { "STAP-A zero size", [0x78, 0x00, 0x00], Aggregate | Malformed, 0, false },
        { "FU-A without FU header", [0x7C], Fragment | Malformed, 0, false },
        { "FU-A header but no data", [0x7C, 0x85], Fragment | Malformed, 0, false },
        { "FU-A start and end", [0x7C, 0xC5, 0x00], Fragment | Start | End | Idr | Malformed, 5, false },
        { "FU-B not a start", [0x7D, 0x05, 0x00, 0x01, 0xB8], Fragment | Idr | Malformed, 5, false },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void ClassifiesPayloads(string name, byte[] payload, H264PayloadFlags flags, int nalType, bool keyframeStart)
    {
        H264PayloadInfo info = H264Payload.Classify(payload);
        Assert.True(flags == info.Flags, $"{name}: {info.Flags}");
        Assert.Equal(nalType, info.NalType);
        Assert.Equal(keyframeStart, info.IsKeyframeStart);
        Assert.Equal((flags & Malformed) == 0, H264Payload.TryClassify(payload, out _));
    }

    [Fact]
    public void StapACountsItsUnits()
    {
        byte[] payload = [0x78, 0x00, 0x04, 0x67, 0x42, 0xC0, 0x1F, 0x00, 0x03, 0x68, 0xCE, 0x3C, 0x00, 0x02, 0x65, 0x88];
        H264PayloadInfo info = H264Payload.Classify(payload);
        Assert.Equal(3, info.NalUnitCount);
        Assert.Equal(H264Payload.StapA, info.PacketType);

        // Every prefix of a valid STAP-A either classifies the units present or is malformed.
        for (int i = 0; i < payload.Length; i++)
        {
            H264PayloadInfo prefix = H264Payload.Classify(payload.AsSpan(0, i));
            Assert.True(!prefix.IsValid || i is 7 or 12, $"prefix {i}");
        }
    }
}
