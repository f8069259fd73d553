using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using Conferencing.Server.Accounts;
using Conferencing.Server.Common;
using Conferencing.Server.Endpoints;
using Conferencing.Server.Meetings;
using Conferencing.Server.Sites;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.Demo;

/// <summary>
/// Fills an empty store with the demo province: Phú Thọ after the 2025 arrangement (16 departments,
/// 148 communes and wards, from ops/data), one room system per site, three staff accounts and a
/// few meetings, so that a newcomer sees a working system at once.
/// </summary>
public sealed partial class DemoSeeder(
    SiteStore sites, EndpointStore endpoints, MeetingService meetings, StaffUserStore users,
    IOptions<DemoOptions> options, IOptions<Endpoints.Presence.SipServerOptions> sip, TimeProvider time, ILogger<DemoSeeder> logger, Room.RoomDemo roomDemo)
{
    public const string ResourceName = "Conferencing.Server.Demo.phu-tho-2025.csv";
    private const string Actor = "demo-seed";

    public static IReadOnlyList<Site> LoadDemoSites()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The demo site list {ResourceName} is not embedded.");
        using var reader = new StreamReader(stream);
        var list = SiteFiles.FromCsv(reader.ReadToEnd(), out var errors);
        return errors.Count == 0 ? list : throw new InvalidOperationException("The embedded demo site list is invalid: " + errors[0].Message);
    }

    /// <summary>Seeds only into an empty store; returns false when there was already data.</summary>
    public async Task<bool> SeedIfEmptyAsync(CancellationToken cancellationToken)
    {
        var tree = await sites.LoadTreeAsync(cancellationToken).ConfigureAwait(false);
        if (tree.Count > 0)
        {
            return false;
        }

        var demoSites = LoadDemoSites();
        await sites.ImportAsync(demoSites, Actor, cancellationToken).ConfigureAwait(false);
        var domain = options.Value.RoomDomain ?? RegistrarDomain(sip.Value);
        foreach (var site in demoSites.Where(s => s.Level != SiteLevel.District))
        {
            var user = site.Code.ToLowerInvariant();
            await endpoints.CreateAsync(new EndpointInput(
                site.Code,
                $"sip:{user}@{domain}",
                $"Phòng họp {site.Name}",
                site.Level == SiteLevel.Commune ? "Simulated room system (SIP, H.264 + G.711)" : "Simulated MCU room system",
                site.Name,
                site.Level == SiteLevel.Commune ? SipEndpoint.DefaultBitrateKbps : 4096,
                user,
                Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant()), Actor, cancellationToken).ConfigureAwait(false);
        }

        tree = await sites.LoadTreeAsync(cancellationToken).ConfigureAwait(false);
        await SeedMeetingsAsync(tree, cancellationToken).ConfigureAwait(false);
        Log.Seeded(logger, demoSites.Count);
        return true;
    }

    /// <summary>The registrar's address as rooms write it in their address of record.</summary>
    internal static string RegistrarDomain(Endpoints.Presence.SipServerOptions sip)
    {
        var listen = sip.ListenEndPoint();
        var host = listen.Address.Equals(System.Net.IPAddress.Any) || listen.Address.Equals(System.Net.IPAddress.IPv6Any) ? "127.0.0.1" : listen.Address.ToString();
        return listen.Port is 0 or 5060 ? host : $"{host}:{listen.Port}";
    }

    /// <summary>
    /// Creates the demo staff accounts with one generated password, and returns it so the console can
    /// show it once. Null when accounts already exist.
    /// </summary>
    public async Task<string?> SeedAccountsIfNoneAsync(CancellationToken cancellationToken)
    {
        if (await users.CountAsync(cancellationToken).ConfigureAwait(false) > 0)
        {
            return null;
        }

        var password = GeneratePassword();
        await users.CreateAsync("admin", "Quản trị hệ thống", StaffRoles.Admin, password, Actor, cancellationToken).ConfigureAwait(false);
        await users.CreateAsync("vanphong", "Văn phòng UBND tỉnh", StaffRoles.Secretariat, password, Actor, cancellationToken).ConfigureAwait(false);
        await users.CreateAsync("kythuat", "Kỹ thuật viên", StaffRoles.Technician, password, Actor, cancellationToken).ConfigureAwait(false);
        return password;
    }

    /// <summary>Readable yet strong: four groups of four from an alphabet without look-alikes.</summary>
    public static string GeneratePassword()
    {
        const string alphabet = "abcdefghjkmnpqrstuvwxyz23456789";
        var chars = new char[19];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = i % 5 == 4 ? '-' : alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
        }

        return new string(chars);
    }

    private async Task SeedMeetingsAsync(SiteTree tree, CancellationToken cancellationToken)
    {
        var province = tree.Roots.First();
        var today = VietnamTime.ToLocal(time.GetUtcNow()).Date;
        DateTimeOffset At(int days, int hour, int minute) => new DateTimeOffset(today.AddDays(days).AddHours(hour).AddMinutes(minute), TimeSpan.FromHours(7)).ToUniversalTime();

        var communes = tree.Subtree(province.Code).Where(s => s.Level == SiteLevel.Commune).ToList();
        var delegates = communes.Take(20).Select(c => new DelegateInput(null, $"Chủ tịch UBND {c.Name}", "Chủ tịch", $"UBND {c.Name}", c.Code, null))
            .Prepend(new DelegateInput(null, "Chủ tịch UBND tỉnh", "Chủ tịch", "UBND tỉnh", province.Code, null)).ToList();

        var provinceMeeting = await meetings.ScheduleAsync(new MeetingDetails(
            "Hội nghị trực tuyến triển khai nhiệm vụ phát triển kinh tế - xã hội",
            "Hội nghị do UBND tỉnh chủ trì, kết nối tới toàn bộ các xã, phường.",
            MeetingKind.ProvinceHosted, province.Code, At(1, 8, 0), At(1, 11, 30),
            new SiteSelection([province.Code], [], [SiteLevel.Province, SiteLevel.Commune]),
            delegates,
            [
                new AgendaInput(null, "Khai mạc, giới thiệu đại biểu", "Văn phòng UBND tỉnh", 10),
                new AgendaInput(null, "Báo cáo tình hình kinh tế - xã hội", "Sở Tài chính", 40),
                new AgendaInput(null, "Thảo luận tại các điểm cầu", null, 90),
                new AgendaInput(null, "Kết luận của Chủ tịch UBND tỉnh", "Chủ tịch UBND tỉnh", 20),
            ]), Actor, cancellationToken).ConfigureAwait(false);
        await roomDemo.SeedAsync(provinceMeeting, withDisplayLink: true, cancellationToken).ConfigureAwait(false);

        await meetings.ScheduleAsync(new MeetingDetails(
            "Hội nghị trực tuyến Chính phủ với các địa phương",
            "Tiếp sóng hội nghị của Chính phủ tới các xã, phường.",
            MeetingKind.RelayedFromCentral, province.Code, At(7, 8, 0), At(7, 12, 0),
            new SiteSelection([province.Code], [], null),
            [], []), Actor, cancellationToken).ConfigureAwait(false);

        if (communes.Count >= 4)
        {
            var host = communes.FirstOrDefault(c => VietnameseText.Fold(c.Name).Contains("hy cuong", StringComparison.Ordinal)) ?? communes[0];
            var neighbours = communes.Where(c => c.Code != host.Code).Take(3).Select(c => c.Code).ToList();
            await meetings.ScheduleAsync(new MeetingDetails(
                string.Create(CultureInfo.InvariantCulture, $"Giao ban trực tuyến {host.Name}"),
                null, MeetingKind.CommuneLevel, host.Code, At(2, 14, 0), At(2, 16, 0),
                new SiteSelection([], neighbours, null), [], []), Actor, cancellationToken).ConfigureAwait(false);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Demo province seeded with {SiteCount} sites")]
        public static partial void Seeded(ILogger logger, int siteCount);
    }
}
