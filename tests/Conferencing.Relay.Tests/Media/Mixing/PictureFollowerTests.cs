using Conferencing.Relay.Media.Mixing;

namespace Conferencing.Relay.Tests.Media.Mixing;

/// <summary>
/// Who the picture shows in open discussion, as a table: each row is a script of frames (who speaks
/// at what level for how many frames) and the source in the picture after it. Sources are 0 (the
/// chair), 1 and 2 (sites) and 9 (a child relay without the floor); the hold is 5 frames, the margin 3 dB.
/// </summary>
public sealed class PictureFollowerTests
{
    private const int Hold = 5;
    private const double Margin = 3;
    private const int Program = PictureFollower.None;

    /// <summary>One step: <paramref name="Frames"/> frames of the given sources as (key, speaking, dB).</summary>
    public sealed record Step(int Frames, params (int Key, bool Speaking, double Db)[] Heard);

    public static TheoryData<string, Step[], int> Scripts() => new()
    {
        { "nobody speaks: the program", [new Step(50, (0, false, -96), (1, false, -96))], Program },
        { "a site speaks for less than the hold: the program", [new Step(Hold - 1, (1, true, -20))], Program },
        { "a site speaks for the hold: that site", [new Step(Hold, (1, true, -20))], 1 },
        { "a break in the lead restarts the hold", [new Step(Hold - 1, (1, true, -20)), new Step(1, (1, false, -60)), new Step(Hold - 1, (1, true, -20))], Program },
        { "the last speaker stays when everyone falls quiet", [new Step(Hold, (1, true, -20)), new Step(100, (1, false, -96), (2, false, -96))], 1 },
        { "a louder site takes the picture after the hold", [new Step(Hold, (1, true, -30)), new Step(Hold, (1, true, -30), (2, true, -20))], 2 },
        { "a louder site not yet for the hold: the one in the picture stays", [new Step(Hold, (1, true, -30)), new Step(Hold - 1, (1, true, -30), (2, true, -20))], 1 },
        { "within the margin the one in the picture stays", [new Step(Hold, (1, true, -30)), new Step(50, (1, true, -30), (2, true, -30 + Margin - 0.5))], 1 },
        { "two sites alternating within the margin: the first keeps it", [new Step(Hold, (1, true, -25)), new Step(3, (1, true, -25), (2, true, -24)), new Step(3, (1, true, -24), (2, true, -25)), new Step(3, (1, true, -25), (2, true, -23))], 1 },
        { "the one in the picture falls quiet: a quieter speaker takes it after the hold", [new Step(Hold, (1, true, -20)), new Step(Hold, (1, false, -90), (2, true, -40))], 2 },
        { "the chair speaking loudest takes the picture back", [new Step(Hold, (1, true, -30)), new Step(Hold, (0, true, -10), (1, true, -30))], 0 },
        { "a child relay without the floor is never followed", [new Step(50, (9, true, -10))], Program },
        { "a child relay's voice does not keep a site from the picture", [new Step(Hold, (9, true, -10), (1, true, -30))], 1 },
        { "the leader changing within the hold restarts it", [new Step(Hold - 1, (1, true, -20), (2, true, -30)), new Step(Hold - 1, (1, true, -30), (2, true, -20))], Program },
    };

    [Theory]
    [MemberData(nameof(Scripts))]
    public void ThePictureFollowsTheLoudestAfterTheHoldWithHysteresis(string because, Step[] script, int expected)
    {
        var follower = new PictureFollower(Hold, Margin);
        foreach (Step step in script)
        {
            SpeakerSample[] heard = [.. step.Heard.Select(h => new SpeakerSample(h.Key, h.Speaking, h.Db, Eligible: h.Key != 9))];
            for (int i = 0; i < step.Frames; i++)
            {
                follower.Update(heard);
            }
        }

        Assert.True(expected == follower.Current, $"{because}: expected {expected}, got {follower.Current}");
    }

    [Fact]
    public void UpdateSaysWhenThePictureMovesAndResetGoesBackToTheProgram()
    {
        var follower = new PictureFollower(Hold, Margin);
        SpeakerSample[] site = [new(1, true, -20, true)];
        bool[] changed = [.. Enumerable.Range(0, Hold + 3).Select(_ => follower.Update(site))];

        Assert.Equal([.. Enumerable.Repeat(false, Hold - 1), true, false, false, false], changed);
        follower.Reset();
        Assert.Equal(Program, follower.Current);
    }

    [Theory]
    [InlineData(0, 3)]
    [InlineData(5, -1)]
    public void BadSettingsAreRefused(int hold, double margin) =>
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => new PictureFollower(hold, margin));
}
