using Conferencing.Sip.Sdp;

namespace Conferencing.Sip.Tests.Sdp;

public sealed class MediaFormatTests
{
    public static TheoryData<string, H264Profile, int> ProfileLevelIds => new()
    {
        { "42e01f", H264Profile.ConstrainedBaseline, 62 },
        { "42c01e", H264Profile.ConstrainedBaseline, 60 },
        { "42801f", H264Profile.Baseline, 62 },
        { "42001f", H264Profile.Baseline, 62 },
        { "4d001f", H264Profile.Main, 62 },
        { "4d8028", H264Profile.ConstrainedBaseline, 80 },
        { "58c01e", H264Profile.ConstrainedBaseline, 60 },
        { "58801e", H264Profile.Baseline, 60 },
        { "58001e", H264Profile.Extended, 60 },
        { "640028", H264Profile.High, 80 },
        { "640c1f", H264Profile.ConstrainedHigh, 62 },
        { "6e001f", H264Profile.High10, 62 },
        { "42f00b", H264Profile.ConstrainedBaseline, 21 },
        { "42100b", H264Profile.Baseline, 21 },
        { "640009", H264Profile.High, 21 },
        { "42000b", H264Profile.Baseline, 22 },
        { "420f1f", H264Profile.Unknown, 62 },
    };

    [Theory]
    [MemberData(nameof(ProfileLevelIds))]
    public void ProfileLevelIdIsParsedPerRfc6184(string text, H264Profile profile, int levelRank)
    {
        H264ProfileLevelId id = H264ProfileLevelId.Parse(text);
        Assert.Equal(profile, id.Profile);
        Assert.Equal(levelRank, id.LevelRank);
        Assert.Equal(text, id.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("42e01")]
    [InlineData("42e01g")]
    [InlineData("42e01f0")]
    public void MalformedProfileLevelIdIsRefused(string text)
    {
        Assert.False(H264ProfileLevelId.TryParse(text, out _));
        Assert.Throws<FormatException>(() => H264ProfileLevelId.Parse(text));
    }

    [Fact]
    public void MinimumLevelKeepsTheProfileAndHandlesLevel1b()
    {
        H264ProfileLevelId cb31 = H264ProfileLevelId.Parse("42e01f");
        Assert.Equal("42e016", cb31.WithMinimumLevel(H264ProfileLevelId.Parse("640016")).ToString());
        Assert.Equal("42e01f", cb31.WithMinimumLevel(H264ProfileLevelId.Parse("640028")).ToString());
        Assert.Equal("42f00b", cb31.WithMinimumLevel(H264ProfileLevelId.Parse("640009")).ToString());
        Assert.Equal("640009", H264ProfileLevelId.Parse("64001f").WithMinimumLevel(H264ProfileLevelId.Parse("42f00b")).ToString());
    }

    [Fact]
    public void EncodingNamesCompareWithoutCase()
    {
        Assert.True(new MediaFormat("h264", 90000, 1, "packetization-mode=1;profile-level-id=42E01F").IsCompatibleWith(MediaFormat.H264("42e01f", 1)));
        Assert.True(new MediaFormat("pcmu", 8000).IsCompatibleWith(MediaFormat.Pcmu));
        Assert.Equal(new MediaFormat("g722", 8000), MediaFormat.G722);
    }

    public static TheoryData<MediaFormat, MediaFormat, bool> Compatibility => new()
    {
        { MediaFormat.G722, new MediaFormat("G722", 16000), false },
        { MediaFormat.Opus(), new MediaFormat("opus", 48000, 1), false },
        { MediaFormat.Opus(), MediaFormat.Opus("maxaveragebitrate=20000"), true },
        { MediaFormat.TelephoneEvent(8000), MediaFormat.TelephoneEvent(48000), false },
        { MediaFormat.H264("42e01f", 1), MediaFormat.H264("42e028", 1), true },
        { MediaFormat.H264("42e01f", 1), MediaFormat.H264("42e01f", 0), false },
        { MediaFormat.H264("42e01f", 0), new MediaFormat("H264", 90000, 1, "profile-level-id=42e01f"), true },
        { MediaFormat.H264("42e01f", 1), MediaFormat.H264("640028", 1), false },
        { MediaFormat.H264("42e01f", 1), MediaFormat.H264("42801f", 1), false },
        { MediaFormat.H264("42e01f", 0), new MediaFormat("H264", 90000), false },
        { MediaFormat.H264("42000a", 0), new MediaFormat("H264", 90000), true },
        { MediaFormat.H264("42e01f", 1), new MediaFormat("H264", 90000, 1, "profile-level-id=zz;packetization-mode=1"), false },
        { MediaFormat.Vp8, new MediaFormat("vp8", 90000, 1, "max-fs=3600"), true },
        { MediaFormat.H263Plus, MediaFormat.H263, false },
    };

    [Theory]
    [MemberData(nameof(Compatibility))]
    public void CompatibilityFollowsNameRateChannelsAndH264Rules(MediaFormat a, MediaFormat b, bool expected)
    {
        Assert.Equal(expected, a.IsCompatibleWith(b));
        Assert.Equal(expected, b.IsCompatibleWith(a));
    }

    [Fact]
    public void FmtpParametersKeepTheirOrderAndIgnoreKeyCase()
    {
        var opus = new MediaFormat("opus", 48000, 2, " minptime=10; useinbandfec=1 ;maxaveragebitrate=64000;minptime=20");
        Assert.Equal(["minptime", "useinbandfec", "maxaveragebitrate"], opus.Parameters.Keys);
        Assert.Equal("10", opus.GetParameter("MINPTIME"));
        Assert.Equal("opus/48000/2", opus.ToRtpMapEncoding());

        MediaFormat changed = MediaFormat.H264("42e01f", 1, "max-mbps=108000").WithParameter("profile-level-id", "42e016");
        Assert.Equal("profile-level-id=42e016;packetization-mode=1;max-mbps=108000", changed.FormatParameters);
    }

    [Fact]
    public void TelephoneEventRangesAreExpanded()
    {
        Assert.Equal([(0, 15), (66, 66), (70, 74)], MediaFormat.TelephoneEvent(8000, "0-15,66,70-74").TelephoneEventRanges);
    }

    [Theory]
    [InlineData(0, "PCMU", 8000)]
    [InlineData(8, "PCMA", 8000)]
    [InlineData(9, "G722", 8000)]
    [InlineData(18, "G729", 8000)]
    [InlineData(34, "H263", 90000)]
    public void StaticPayloadTypesResolveWithoutRtpmap(int payloadType, string name, int clockRate)
    {
        MediaFormat format = MediaFormat.FromStaticPayloadType(payloadType)!;
        Assert.Equal(name, format.EncodingName);
        Assert.Equal(clockRate, format.ClockRate);
        Assert.Equal(payloadType, format.StaticPayloadType);
        Assert.Null(MediaFormat.FromStaticPayloadType(96));
    }
}
