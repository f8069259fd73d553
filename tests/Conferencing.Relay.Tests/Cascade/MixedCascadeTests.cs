using System.Net;
using Conferencing.Relay.Tests.Infrastructure;
using Conferencing.Relay.Tests.Media;
using Xunit.Abstractions;

namespace Conferencing.Relay.Tests.Cascade;

/// <summary>
/// The mix over three levels: a province relay (the root, where the chair is) and a district relay
/// under it, each a relay node with its own SIP and media sockets on loopback; sipp room systems
/// answer both (their media ports are test probes). The floor is a commune under the district:
/// the district mixes its floor with what its parent sends (the root's mix without the district),
/// the root mixes the district's leg with the chair, as the conductor sets them. Everyone must hear
/// the chair and the floor, the floor's district sibling included; the floor must not hear itself
/// and the chair must not hear itself.
/// </summary>
public sealed class MixedCascadeTests(ITestOutputHelper output)
{
    private const string Number = "2027";
    private const string Pin = "1010";
    private const string ProvinceUser = "tinh-phu-tho";
    private const string ProvincePassword = "mat-khau-tinh";
    private const double ChairTone = 440;
    private const double FloorTone = 1100;

    [Fact]
    public async Task WithTheFloorUnderADistrictItsSiblingAnotherBranchAndTheChairHearTheChairAndTheFloor()
    {
        RelayOptions provinceOptions = RelayFactory.Options(ProvinceUser);
        provinceOptions.SipUser = ProvinceUser;
        provinceOptions.SipPassword = ProvincePassword;
        await using var province = await RelayFactory.StartAsync(output, provinceOptions);
        await using var district = await RelayFactory.StartAsync(output, RelayFactory.Options("huyen-doan-hung"));
        await using var provinceEvents = EventLog.Start(province);
        await using var districtEvents = EventLog.Start(district);
        await province.OpenMeetingAsync(new OpenMeetingRequest(Number, Pin)).DefaultTimeout();
        await district.OpenMeetingAsync(new OpenMeetingRequest(Number, Pin, null, new Dictionary<string, string> { [ProvinceUser] = ProvincePassword })).DefaultTimeout();

        // The province calls the district relay into the meeting as its child.
        IPEndPoint districtSip = district.SipEndPoint.Address;
        await province.DialAsync(Number, new DialRequest($"sip:{Number}*{Pin}@127.0.0.1:{districtSip.Port}", "huyen-doan-hung", LegRole.ChildRelay)).DefaultTimeout();
        await provinceEvents.WaitForLeg("huyen-doan-hung", LegEventKind.Answered);
        await districtEvents.WaitForLeg(ProvinceUser, LegEventKind.Answered);

        // The floor and its sibling under the district; the chair and another commune at the province.
        using var floor = new SippEndpoint("relay-endpoint-uas.xml", videoPayloadType: 96);
        using var sibling = new SippEndpoint("relay-endpoint-uas.xml", videoPayloadType: 96);
        using var other = new SippEndpoint("relay-endpoint-uas.xml", videoPayloadType: 96);
        using var chair = new SippEndpoint("relay-endpoint-uas.xml", videoPayloadType: 96);
        foreach (var (relay, events, endpoint, legId, role) in new[]
        {
            (district, districtEvents, floor, "xa-hy-cuong", LegRole.Endpoint),
            (district, districtEvents, sibling, "xa-lam-thao", LegRole.Endpoint),
            (province, provinceEvents, other, "xa-pa-co", LegRole.Endpoint),
            (province, provinceEvents, chair, "central", LegRole.Central),
        })
        {
            await RelayFactory.WaitUntilBound(endpoint.Port);
            await relay.DialAsync(Number, new DialRequest(endpoint.Uri(legId), legId, role)).DefaultTimeout();
            Assert.Equal(LegEventKind.Answered, (await events.WaitFor<LegEvent>(e => e.LegId == legId && e.Kind is LegEventKind.Answered or LegEventKind.Failed, legId + " to answer")).Kind);
        }

        // What the conductor sets with the floor at xã Hy Cương: at the district the floor with the
        // parent as its return feed, at the province the district's leg with the chair; both mix.
        await district.SetProgramAsync(Number, new ProgramRequest("xa-hy-cuong", ProvinceUser)).DefaultTimeout();
        await province.SetProgramAsync(Number, new ProgramRequest("huyen-doan-hung", "central")).DefaultTimeout();
        await district.SetAudioMixAsync(Number, new AudioMixRequest(true)).DefaultTimeout();
        await province.SetAudioMixAsync(Number, new AudioMixRequest(true)).DefaultTimeout();
        RelayMeetingInfo atDistrict = await district.GetMeetingAsync(Number).DefaultTimeout();
        RelayMeetingInfo atProvince = await province.GetMeetingAsync(Number).DefaultTimeout();
        Assert.True(atDistrict.AudioMix is { Active: true } && atProvince.AudioMix is { Active: true }, $"{atDistrict.AudioMix} {atProvince.AudioMix}");
        int districtAudio = atDistrict.Ports.AudioRtp;
        int provinceAudio = atProvince.Ports.AudioRtp;

        using (new ToneSender(floor.AudioRtp, 0x1100, new IPEndPoint(IPAddress.Loopback, districtAudio), FloorTone))
        using (new ToneSender(chair.AudioRtp, 0x0440, new IPEndPoint(IPAddress.Loopback, provinceAudio), ChairTone))
        {
            await Task.Delay(3000);
            StatisticsEvent statistics = await districtEvents.WaitFor<StatisticsEvent>(
                s => s.Legs.Any(l => l.LegId == ProvinceUser && l.Mix is { Heard: true, Speaking: true }), "the parent's audio (the chair) heard at the district");
            Assert.True(statistics.Legs.Single(l => l.LegId == "xa-hy-cuong").Mix is { Heard: true }, "the floor heard at the district");
            await Task.Delay(1000);
        }

        await Task.Delay(300);
        static short[] Heard(SippEndpoint endpoint, int relayPort) => MixedAudioTests.Decode(endpoint.AudioRtp.Snapshot().Rtp().From(relayPort));
        foreach (var (endpoint, name, port) in new[] { (sibling, "xa-lam-thao (the floor's sibling)", districtAudio), (other, "xa-pa-co (another branch)", provinceAudio) })
        {
            StreamChecks.AssertContinuous(endpoint.AudioRtp.Snapshot().Rtp().From(port), name + " audio");
            MixedAudioTests.AssertHears(name, Heard(endpoint, port), [ChairTone, FloorTone], [], least: 2000);
        }

        MixedAudioTests.AssertHears("central (the chair)", Heard(chair, provinceAudio), [FloorTone], [ChairTone], least: 2000);
        MixedAudioTests.AssertHears("xa-hy-cuong (the floor)", Heard(floor, districtAudio), [ChairTone], [FloorTone], least: 2000);

        await province.CloseMeetingAsync(Number).DefaultTimeout();
        await district.CloseMeetingAsync(Number).DefaultTimeout();
        foreach (SippEndpoint endpoint in new[] { floor, sibling, other, chair })
        {
            Assert.Equal(0, (await endpoint.Run.WaitAsync(TimeSpan.FromSeconds(60))).ExitCode);
        }
    }
}
