using Conferencing.Relay.Media;
using Conferencing.Relay.Tests.Infrastructure;
using Conferencing.Sip.Rtp;

namespace Conferencing.Relay.Tests.Media;

/// <summary>
/// Open discussion's picture on the relay's real sockets: the chair (central) is the program; a
/// commune starts speaking and, after the hold, every other leg gets that commune's picture from a
/// keyframe on; muted, the picture goes back to the chair.
/// </summary>
public sealed class PictureFollowsSpeakerTests
{
    private const byte ChairTag = 0x01;
    private const byte CommuneTag = 0x02;

    [Fact]
    public async Task InOpenDiscussionThePictureMovesToTheSpeakerAtAKeyframeAndBackWhenItIsMuted()
    {
        var options = MediaHarness.TestOptions();
        options.AudioMix.PictureHold = TimeSpan.FromMilliseconds(400);
        using var harness = new MediaHarness(options);
        var central = harness.AddLeg("central");
        var commune = harness.AddLeg("xa-hy-cuong");
        var listener = harness.AddLeg("xa-tien-kien");
        harness.Media.SetProgram(central.Media, null);
        harness.Media.SetAudioMix(new AudioMixRequest(true, OpenDiscussion: true));
        Assert.True(harness.Media.AudioMix is { Active: true, PictureFollowsSpeaker: true, PictureLegId: null }, $"{harness.Media.AudioMix}");

        using var cameras = new Cameras(central, commune);
        await TaskTimeouts.Until(() => LastTag(listener) == ChairTag, "the chair's picture at the listener");

        int before = listener.Video.Count;
        using (new ToneSender(commune, harness.AudioPort, 1100))
        {
            await TaskTimeouts.Until(() => LastTag(listener) == CommuneTag, "the speaking commune's picture at the listener", TimeSpan.FromSeconds(20));
            Assert.Equal("xa-hy-cuong", harness.Media.AudioMix.PictureLegId);

            // The speaker sees the chair; the chair sees the speaker.
            await TaskTimeouts.Until(() => LastTag(commune) == ChairTag && LastTag(central) == CommuneTag, "the chair and the speaker to see each other", TimeSpan.FromSeconds(20));

            List<Received> after = [.. listener.Video.Skip(before)];
            int first = after.FindIndex(p => Tag(p) == CommuneTag);
            Assert.True(first >= 2, "the listener got the chair's picture before the commune's");

            // The commune's first packets are its keyframe: parameter sets, then the IDR.
            Assert.True(H264Samples.Classify(after[first - 2].Data).Flags.HasFlag(H264PayloadFlags.ContainsSps), $"the switch is at the commune's keyframe: {StreamChecks.Describe(after.Skip(first - 3).Take(4))}");
            Assert.True(H264Samples.Classify(after[first - 1].Data).IsKeyframeStart, $"the IDR follows: {StreamChecks.Describe(after.Skip(first - 3).Take(4))}");
            Assert.DoesNotContain(after.Skip(first), p => Tag(p) == ChairTag);
            StreamChecks.AssertContinuous(listener.Video, "listener video");

            // Muted, the speaker is no longer heard and the picture goes back to the chair.
            commune.Media.AudioMuted = true;
            harness.Media.Update();
            await TaskTimeouts.Until(() => LastTag(listener) == ChairTag, "the chair's picture back at the listener", TimeSpan.FromSeconds(20));
            Assert.Null(harness.Media.AudioMix.PictureLegId);
        }
    }

    [Fact]
    public async Task WithThePictureStayingWithTheChairASpeakerIsHeardButNotShown()
    {
        var options = MediaHarness.TestOptions();
        options.AudioMix.PictureHold = TimeSpan.FromMilliseconds(400);
        using var harness = new MediaHarness(options);
        var central = harness.AddLeg("central");
        var commune = harness.AddLeg("xa-hy-cuong");
        var listener = harness.AddLeg("xa-tien-kien");
        harness.Media.SetProgram(central.Media, null);
        harness.Media.SetAudioMix(new AudioMixRequest(true, OpenDiscussion: true, PictureFollowsSpeaker: false));

        using var cameras = new Cameras(central, commune);
        using (new ToneSender(commune, harness.AudioPort, 1100))
        {
            await TaskTimeouts.Until(() => commune.Media.Audio!.MixSource is { Heard: true }, "the commune heard");
            await Task.Delay(1500);
        }

        Assert.Null(harness.Media.AudioMix.PictureLegId);
        Assert.True(listener.Video.Count > 20, $"{listener.Video.Count} video packets");
        Assert.All(listener.Video.Where(p => Tag(p) is not null), p => Assert.Equal(ChairTag, Tag(p)));
    }

    /// <summary>The tag in a P slice (<c>41 9A tag</c>), null for parameter sets and IDRs.</summary>
    private static byte? Tag(Received packet) => packet.Payload is [0x41, 0x9A, var tag, ..] ? tag : null;

    private static byte? LastTag(TestLeg leg) => leg.Video.Select(Tag).LastOrDefault(t => t is not null);

    /// <summary>Two cameras at 30 frames/s, a keyframe every 10 frames, each P slice tagged with its site.</summary>
    private sealed class Cameras : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _run;

        public Cameras(TestLeg chair, TestLeg commune)
        {
            _run = Task.Run(async () =>
            {
                for (int frame = 0; !_stop.IsCancellationRequested; frame++)
                {
                    foreach (var (leg, tag) in new[] { (chair, ChairTag), (commune, CommuneTag) })
                    {
                        if (frame % 10 == 0)
                        {
                            leg.SendKeyframe();
                        }

                        leg.SendVideo([0x41, 0x9A, tag]);
                    }

                    await Task.Delay(33).ConfigureAwait(false);
                }
            });
        }

        public void Dispose()
        {
            _stop.Cancel();
            _run.Wait(TimeSpan.FromSeconds(10));
            _stop.Dispose();
        }
    }
}
