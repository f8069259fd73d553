using System.Net;
using Conferencing.Relay.Tests.Infrastructure;
using Conferencing.Relay.Tests.Media;
using Xunit.Abstractions;

namespace Conferencing.Relay.Tests.Cascade;

/// <summary>
/// The mix over three levels: a province relay (the root, where the chair is) and a district relay
/// under it, each a relay node with its own SIP and media sockets on loopback; sipp room systems
/// answer both (their media ports are test probes, sending paced µ-law tones from the ports their
/// SDP names). The relays are set as the conductor sets them; received audio is decoded with the
/// project's G.711 decoder and checked for each tone.
/// </summary>
public sealed class MixedCascadeTests(ITestOutputHelper output)
{
    private const string Number = "2027";
    private const string Pin = "1010";
    private const string ProvinceUser = "tinh-phu-tho";
    private const string ProvincePassword = "mat-khau-tinh";
    private const double ChairTone = 440;
    private const double CommuneTone = 1100;

    /// <summary>
    /// The floor is a commune under the district: the district mixes its floor with what its parent
    /// sends (the root's mix without the district), the root mixes the district's leg with the
    /// chair. Everyone hears the chair and the floor, the floor's district sibling included; neither
    /// the floor nor the chair hears itself.
    /// </summary>
    [Fact]
    public async Task WithTheFloorUnderADistrictItsSiblingAnotherBranchAndTheChairHearTheChairAndTheFloor()
    {
        await using var cascade = await Cascade.StartAsync(output);
        await cascade.District.SetProgramAsync(Number, new ProgramRequest("xa-hy-cuong", ProvinceUser)).DefaultTimeout();
        await cascade.Province.SetProgramAsync(Number, new ProgramRequest("huyen-doan-hung", "central")).DefaultTimeout();
        await cascade.District.SetAudioMixAsync(Number, new AudioMixRequest(true)).DefaultTimeout();
        await cascade.Province.SetAudioMixAsync(Number, new AudioMixRequest(true)).DefaultTimeout();
        await cascade.AssertMixesAsync();

        await cascade.SpeakAsync(cascade.HyCuong, "the parent's audio (the chair) heard at the district", s =>
            s.Legs.Any(l => l.LegId == ProvinceUser && l.Mix is { Heard: true, Speaking: true })
            && s.Legs.Any(l => l.LegId == "xa-hy-cuong" && l.Mix is { Heard: true }));

        cascade.AssertHears(cascade.LamThao, "xa-lam-thao (the floor's sibling)", [ChairTone, CommuneTone], []);
        cascade.AssertHears(cascade.PaCo, "xa-pa-co (another branch)", [ChairTone, CommuneTone], []);
        cascade.AssertHears(cascade.Chair, "central (the chair)", [CommuneTone], [ChairTone]);
        cascade.AssertHears(cascade.HyCuong, "xa-hy-cuong (the floor)", [ChairTone], [CommuneTone]);
        await cascade.CloseAsync();
    }

    /// <summary>
    /// Open discussion with no floor: the district mixes its parent with its loudest local sites and
    /// sends those up, the root hears the district's leg as one candidate. A commune under the
    /// district speaking is heard by a commune at the province and by the chair, and its district
    /// sibling hears it with the chair.
    /// </summary>
    [Fact]
    public async Task InOpenDiscussionACommuneUnderADistrictIsHeardAcrossTheCascade()
    {
        await using var cascade = await Cascade.StartAsync(output);
        await cascade.District.SetProgramAsync(Number, new ProgramRequest(ProvinceUser)).DefaultTimeout();
        await cascade.Province.SetProgramAsync(Number, new ProgramRequest("central")).DefaultTimeout();
        await cascade.District.SetAudioMixAsync(Number, new AudioMixRequest(true, OpenDiscussion: true, PictureFollowsSpeaker: false)).DefaultTimeout();
        await cascade.Province.SetAudioMixAsync(Number, new AudioMixRequest(true, OpenDiscussion: true)).DefaultTimeout();
        await cascade.AssertMixesAsync();

        await cascade.SpeakAsync(cascade.LamThao, "xã Lâm Thao heard at the district", s =>
            s.Legs.Any(l => l.LegId == "xa-lam-thao" && l.Mix is { Heard: true, Speaking: true }));

        cascade.AssertHears(cascade.HyCuong, "xa-hy-cuong (the speaker's sibling)", [ChairTone, CommuneTone], []);
        cascade.AssertHears(cascade.PaCo, "xa-pa-co (another branch)", [ChairTone, CommuneTone], []);
        cascade.AssertHears(cascade.Chair, "central (the chair)", [CommuneTone], [ChairTone]);
        cascade.AssertHears(cascade.LamThao, "xa-lam-thao (the speaker)", [ChairTone], [CommuneTone]);
        await cascade.CloseAsync();
    }

    /// <summary>
    /// Province and district relays with the meeting open and linked, xã Hy Cương and xã Lâm Thao
    /// under the district, xã Pa Cơ and the chair (<c>central</c>) at the province.
    /// </summary>
    private sealed class Cascade : IAsyncDisposable
    {
        private readonly List<IAsyncDisposable> _owned = [];

        private Cascade()
        {
        }

        public RelayNode Province { get; private set; } = null!;

        public RelayNode District { get; private set; } = null!;

        public EventLog DistrictEvents { get; private set; } = null!;

        public SippEndpoint HyCuong { get; } = new("relay-endpoint-uas.xml", videoPayloadType: 96);

        public SippEndpoint LamThao { get; } = new("relay-endpoint-uas.xml", videoPayloadType: 96);

        public SippEndpoint PaCo { get; } = new("relay-endpoint-uas.xml", videoPayloadType: 96);

        public SippEndpoint Chair { get; } = new("relay-endpoint-uas.xml", videoPayloadType: 96);

        public int DistrictAudio { get; private set; }

        public int ProvinceAudio { get; private set; }

        public static async Task<Cascade> StartAsync(ITestOutputHelper output)
        {
            var cascade = new Cascade();
            try
            {
                await cascade.InitializeAsync(output);
                return cascade;
            }
            catch
            {
                await cascade.DisposeAsync();
                throw;
            }
        }

        private async Task InitializeAsync(ITestOutputHelper output)
        {
            RelayOptions provinceOptions = RelayFactory.Options(ProvinceUser);
            provinceOptions.SipUser = ProvinceUser;
            provinceOptions.SipPassword = ProvincePassword;
            Province = await RelayFactory.StartAsync(output, provinceOptions);
            _owned.Add(Province);
            District = await RelayFactory.StartAsync(output, RelayFactory.Options("huyen-doan-hung"));
            _owned.Add(District);
            var provinceEvents = EventLog.Start(Province);
            _owned.Add(provinceEvents);
            DistrictEvents = EventLog.Start(District);
            _owned.Add(DistrictEvents);
            await Province.OpenMeetingAsync(new OpenMeetingRequest(Number, Pin)).DefaultTimeout();
            await District.OpenMeetingAsync(new OpenMeetingRequest(Number, Pin, null, new Dictionary<string, string> { [ProvinceUser] = ProvincePassword })).DefaultTimeout();

            // The province calls the district relay into the meeting as its child.
            await Province.DialAsync(Number, new DialRequest($"sip:{Number}*{Pin}@127.0.0.1:{District.SipEndPoint.Address.Port}", "huyen-doan-hung", LegRole.ChildRelay)).DefaultTimeout();
            await provinceEvents.WaitForLeg("huyen-doan-hung", LegEventKind.Answered);
            await DistrictEvents.WaitForLeg(ProvinceUser, LegEventKind.Answered);

            foreach (var (relay, events, endpoint, legId, role) in new[]
            {
                (District, DistrictEvents, HyCuong, "xa-hy-cuong", LegRole.Endpoint),
                (District, DistrictEvents, LamThao, "xa-lam-thao", LegRole.Endpoint),
                (Province, provinceEvents, PaCo, "xa-pa-co", LegRole.Endpoint),
                (Province, provinceEvents, Chair, "central", LegRole.Central),
            })
            {
                await RelayFactory.WaitUntilBound(endpoint.Port);
                await relay.DialAsync(Number, new DialRequest(endpoint.Uri(legId), legId, role)).DefaultTimeout();
                Assert.Equal(LegEventKind.Answered, (await events.WaitFor<LegEvent>(e => e.LegId == legId && e.Kind is LegEventKind.Answered or LegEventKind.Failed, legId + " to answer")).Kind);
            }

            DistrictAudio = (await District.GetMeetingAsync(Number).DefaultTimeout()).Ports.AudioRtp;
            ProvinceAudio = (await Province.GetMeetingAsync(Number).DefaultTimeout()).Ports.AudioRtp;
        }

        public async Task AssertMixesAsync()
        {
            RelayMeetingInfo atDistrict = await District.GetMeetingAsync(Number).DefaultTimeout();
            RelayMeetingInfo atProvince = await Province.GetMeetingAsync(Number).DefaultTimeout();
            Assert.True(atDistrict.AudioMix is { Active: true } && atProvince.AudioMix is { Active: true }, $"{atDistrict.AudioMix} {atProvince.AudioMix}");
        }

        /// <summary>The chair speaks 440 Hz at the province and <paramref name="commune"/> (under the district) 1100 Hz, for about 4 s.</summary>
        public async Task SpeakAsync(SippEndpoint commune, string what, Func<StatisticsEvent, bool> districtSees)
        {
            using (new ToneSender(commune.AudioRtp, 0x1100, new IPEndPoint(IPAddress.Loopback, DistrictAudio), CommuneTone))
            using (new ToneSender(Chair.AudioRtp, 0x0440, new IPEndPoint(IPAddress.Loopback, ProvinceAudio), ChairTone))
            {
                await Task.Delay(3000);
                await DistrictEvents.WaitFor(districtSees, what);
                await Task.Delay(1000);
            }

            await Task.Delay(300);
        }

        public void AssertHears(SippEndpoint endpoint, string name, double[] heard, double[] notHeard)
        {
            int port = endpoint == PaCo || endpoint == Chair ? ProvinceAudio : DistrictAudio;
            List<Received> packets = endpoint.AudioRtp.Snapshot().Rtp().From(port);
            StreamChecks.AssertContinuous(packets, name + " audio");
            MixedAudioTests.AssertHears(name, MixedAudioTests.Decode(packets), heard, notHeard, least: 2000);
        }

        public async Task CloseAsync()
        {
            await Province.CloseMeetingAsync(Number).DefaultTimeout();
            await District.CloseMeetingAsync(Number).DefaultTimeout();
            foreach (SippEndpoint endpoint in new[] { HyCuong, LamThao, PaCo, Chair })
            {
                Assert.Equal(0, (await endpoint.Run.WaitAsync(TimeSpan.FromSeconds(60))).ExitCode);
            }
        }

        public async ValueTask DisposeAsync()
        {
            for (int i = _owned.Count - 1; i >= 0; i--)
            {
                await _owned[i].DisposeAsync();
            }

            HyCuong.Dispose();
            LamThao.Dispose();
            PaCo.Dispose();
            Chair.Dispose();
        }
    }
}
