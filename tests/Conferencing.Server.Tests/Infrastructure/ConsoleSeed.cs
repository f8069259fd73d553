using Conferencing.Server.Endpoints;
using Conferencing.Server.Sites;
using Microsoft.Extensions.DependencyInjection;

namespace Conferencing.Server.Tests.Infrastructure;

/// <summary>
/// A province in the mixed shape of the 2025 transition, for the console's pages: a district still
/// in the old three-level shape, communes directly under the province, departments; one room system
/// at the province and at each commune. Real names where the design names them.
/// </summary>
public static class ConsoleSeed
{
    public const string SecretariatUser = "vanphong";
    public const string TechnicianUser = "kythuat";

    public static IReadOnlyList<Site> Sites() =>
    [
        new("PT", "Tỉnh Phú Thọ", null, SiteLevel.Province, SiteKind.Province),
        new("PT-SNV", "Sở Nội vụ", "PT", SiteLevel.Department, SiteKind.Department),
        new("PT-STC", "Sở Tài chính", "PT", SiteLevel.Department, SiteKind.Department),
        new("PT-H-LT", "Huyện Lâm Thao", "PT", SiteLevel.District, SiteKind.District),
        new("PT-X-LT", "Xã Lâm Thao", "PT-H-LT", SiteLevel.Commune, SiteKind.Commune),
        new("PT-X-XL", "Xã Xuân Lũng", "PT-H-LT", SiteLevel.Commune, SiteKind.Commune),
        new("PT-X-SV", "Xã Sơn Vi", "PT-H-LT", SiteLevel.Commune, SiteKind.Commune),
        new("PT-X-HC", "Xã Hy Cương", "PT", SiteLevel.Commune, SiteKind.Commune),
        new("PT-X-PC", "Xã Pà Cò", "PT", SiteLevel.Commune, SiteKind.Commune),
        new("PT-X-DH", "Xã Đoan Hùng", "PT", SiteLevel.Commune, SiteKind.Commune),
        new("PT-X-HH", "Xã Hạ Hòa", "PT", SiteLevel.Commune, SiteKind.Commune),
        new("PT-P-VT", "Phường Việt Trì", "PT", SiteLevel.Commune, SiteKind.Ward),
    ];

    /// <summary>Imports the sites and gives the province and every commune a room system.</summary>
    public static async Task SeedAsync(ConferencingFactory factory, Func<Site, string>? sipUri = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        var sites = Sites();
        await factory.Services.GetRequiredService<SiteStore>().ImportAsync(sites, "test", CancellationToken.None).DefaultTimeout();
        var endpoints = factory.Services.GetRequiredService<EndpointStore>();
        foreach (var site in sites.Where(s => s.Level is SiteLevel.Commune or SiteLevel.Province))
        {
            var uri = sipUri?.Invoke(site) ?? $"sip:{site.Code.ToLowerInvariant()}@rooms.invalid";
            await endpoints.CreateAsync(new EndpointInput(site.Code, uri, "Phòng họp " + site.Name, null, null, null, null, null), "test", CancellationToken.None).DefaultTimeout();
        }
    }

    /// <summary>Creates a staff account (in the store: a Kestrel-started factory has no in-memory client).</summary>
    public static async Task<string> CreateStaffAsync(ConferencingFactory factory, string username, string role, string displayName)
    {
        ArgumentNullException.ThrowIfNull(factory);
        await factory.Services.GetRequiredService<Conferencing.Server.Accounts.StaffUserStore>()
            .CreateAsync(username, displayName, role, ConferencingFactory.StaffPassword, "test", CancellationToken.None).DefaultTimeout();
        return username;
    }

    /// <summary>A local day some days ahead, at a local time, as an instant.</summary>
    public static DateTimeOffset LocalDay(int daysAhead, int hour, int minute = 0) =>
        new DateTimeOffset(DateTime.SpecifyKind(Conferencing.Server.Common.VietnamTime.ToLocal(DateTimeOffset.UtcNow).Date.AddDays(daysAhead).AddHours(hour).AddMinutes(minute), DateTimeKind.Unspecified), TimeSpan.FromHours(7));
}
