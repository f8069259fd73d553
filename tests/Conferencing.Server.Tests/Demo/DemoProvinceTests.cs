using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Conferencing.Server.Sites;
using Conferencing.Server.Tests.Infrastructure;

namespace Conferencing.Server.Tests.Demo;

/// <summary>The demo province and the ops/data sets, through the API.</summary>
public sealed class DemoProvinceTests : ApiTestBase
{
    protected override bool Demo => true;

    [Fact]
    public async Task AProvinceHostedMeetingForAll148CommunesIsScheduledAndAnOverlapGets409()
    {
        var tree = await Admin.GetFromJsonAsync<JsonElement>("/api/sites", Json).DefaultTimeout();
        var province = tree.EnumerateArray().Single(s => s.GetProperty("level").GetString() == "Province").GetProperty("code").GetString();
        var start = new DateTimeOffset(DateTime.SpecifyKind(DateTime.UtcNow.Date.AddDays(4).AddHours(8), DateTimeKind.Unspecified), TimeSpan.FromHours(7));
        var body = new
        {
            title = "Hội nghị trực tuyến toàn tỉnh",
            kind = "ProvinceHosted",
            hostSiteCode = province,
            startUtc = start,
            endUtc = start.AddHours(4),
            sites = new { subtrees = new[] { province }, levels = new[] { "Commune" } },
        };
        var created = await Admin.PostAsJsonAsync("/api/meetings", body, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var meeting = await ReadJson(created);
        Assert.Equal(149, meeting.GetProperty("siteCount").GetInt32());

        var overlapping = await Admin.PostAsJsonAsync("/api/meetings", body with { title = "Hội nghị trùng giờ" }, Json).DefaultTimeout();
        var problem = await ExpectProblem(overlapping, HttpStatusCode.Conflict);
        Assert.Contains("Hội nghị trực tuyến toàn tỉnh", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(149, problem.GetProperty("conflicts")[0].GetProperty("sites").GetArrayLength());
    }

    [Fact]
    public async Task TheDemoSitesExportAsTheOpsDataFileCharacterForCharacter()
    {
        // Through the store and back: the export of a freshly seeded demo is the file itself, so no
        // name lost or changed a diacritic on the way.
        var file = await File.ReadAllTextAsync(Sample.RepoFile("ops", "data", "phu-tho-2025.csv")).DefaultTimeout();
        var exported = await (await Admin.GetAsync(new Uri("/api/sites/export?format=csv", UriKind.Relative)).DefaultTimeout()).Content.ReadAsStringAsync().DefaultTimeout();
        Assert.Equal(file, exported.TrimStart('\uFEFF').ReplaceLineEndings("\n"));

        var json = await (await Admin.GetAsync(new Uri("/api/sites/export?format=json", UriKind.Relative)).DefaultTimeout()).Content.ReadAsStringAsync().DefaultTimeout();
        var fromJson = SiteFiles.FromJson(json, out var errors);
        Assert.Empty(errors);
        Assert.Equal(SiteFiles.FromCsv(file, out _).OrderBy(s => s.Code, StringComparer.Ordinal), fromJson.OrderBy(s => s.Code, StringComparer.Ordinal));
        Assert.Contains(fromJson, s => s.Code == "PT-08515" && s.Name == "Xã Hy Cương");
        Assert.Contains(fromJson, s => s.Code == "PT-05212" && s.Name == "Xã Pà Cò");
    }

    [Fact]
    public async Task TheThreeLevelDataSetImportsBesideTheTwoLevelTreeIntoAMixedProvince()
    {
        var csv = await File.ReadAllTextAsync(Sample.RepoFile("ops", "data", "phu-tho-2020-three-level.csv")).DefaultTimeout();
        var sites = SiteFiles.FromCsv(csv, out var errors);
        Assert.Empty(errors);
        Assert.Equal(13, sites.Count(s => s.Level == SiteLevel.District));
        Assert.Equal(225, sites.Count(s => s.Level == SiteLevel.Commune));

        using var content = new StringContent(csv, Encoding.UTF8, "text/csv");
        var response = await Admin.PostAsync(new Uri("/api/sites/import", UriKind.Relative), content).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var imported = await ReadJson(response);
        // The province row is the demo's own; everything below it is new.
        Assert.Equal((238, 0, 1), (imported.GetProperty("created").GetInt32(), imported.GetProperty("updated").GetInt32(), imported.GetProperty("unchanged").GetInt32()));

        var underProvince = await Admin.GetFromJsonAsync<JsonElement>("/api/sites?parent=PT", Json).DefaultTimeout();
        var levels = underProvince.EnumerateArray().GroupBy(s => s.GetProperty("level").GetString()).ToDictionary(g => g.Key!, g => g.Count());
        Assert.Equal((16, 13, 148), (levels["Department"], levels["District"], levels["Commune"]));

        var vietTri = await Admin.GetFromJsonAsync<JsonElement>("/api/sites/PT-2020-227", Json).DefaultTimeout();
        Assert.Equal(("Thành phố Việt Trì", "City", 22), (vietTri.GetProperty("name").GetString(), vietTri.GetProperty("kind").GetString(), vietTri.GetProperty("childCount").GetInt32()));

        var found = await Admin.GetFromJsonAsync<JsonElement>("/api/sites?q=vu%20quang", Json).DefaultTimeout();
        var vuQuang = Assert.Single(found.EnumerateArray());
        Assert.Equal(("Xã Vụ Quang", "PT-2020-230"), (vuQuang.GetProperty("name").GetString(), vuQuang.GetProperty("parentCode").GetString()));
    }
}
