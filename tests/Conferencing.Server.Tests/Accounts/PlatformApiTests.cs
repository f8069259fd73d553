using System.Net;
using System.Net.Http.Json;
using System.Text;
using Conferencing.Server.Accounts;
using Conferencing.Server.Tests.Infrastructure;

namespace Conferencing.Server.Tests.Accounts;

public sealed class PlatformApiTests : ApiTestBase
{
    [Fact]
    public async Task HealthIsOpenAndReportsTheStore()
    {
        using var anonymous = Factory.CreateClient();
        var response = await anonymous.GetAsync(new Uri("/health", UriKind.Relative)).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await ReadJson(response);
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("store").GetProperty("status").GetString());
    }

    [Fact]
    public async Task TheOpenApiDocumentListsTheApi()
    {
        using var anonymous = Factory.CreateClient();
        var document = await ReadJson(await anonymous.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative)).DefaultTimeout());
        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/api/meetings", "/api/meetings/{id}", "/api/sites/import", "/api/endpoints", "/api/auth/login" })
        {
            Assert.True(paths.TryGetProperty(path, out _), path);
        }
    }

    [Fact]
    public async Task AWrongPasswordIs401AndRepeatedFailuresAreThrottled()
    {
        using var client = Factory.CreateClient();
        for (var i = 0; i < LoginThrottleOptions.DefaultMaxFailuresPerAccount; i++)
        {
            await ExpectProblem(await client.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = "wrong-password-" + i }, Json).DefaultTimeout(), HttpStatusCode.Unauthorized);
        }

        var throttled = await client.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = ConferencingFactory.AdminPassword }, Json).DefaultTimeout();
        await ExpectProblem(throttled, HttpStatusCode.TooManyRequests);
        Assert.NotNull(throttled.Headers.RetryAfter);
    }

    [Fact]
    public async Task MeTellsWhoIsSignedInAndLogoutEndsIt()
    {
        using var secretariat = await Factory.StaffAsync(StaffRoles.Secretariat);
        var me = await ReadJson(await secretariat.GetAsync(new Uri("/api/auth/me", UriKind.Relative)).DefaultTimeout());
        Assert.Equal(StaffRoles.Secretariat, me.GetProperty("role").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await secretariat.PostAsync(new Uri("/api/auth/logout", UriKind.Relative), null).DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await secretariat.GetAsync(new Uri("/api/auth/me", UriKind.Relative)).DefaultTimeout()).StatusCode);
    }

    [Fact]
    public async Task OnlyAnAdminManagesAccounts()
    {
        using var secretariat = await Factory.StaffAsync(StaffRoles.Secretariat);
        await ExpectProblem(await secretariat.GetAsync(new Uri("/api/users", UriKind.Relative)).DefaultTimeout(), HttpStatusCode.Forbidden);
        var weak = await Admin.PostAsJsonAsync("/api/users", new { username = "yeu", displayName = "Yếu", role = "Technician", password = "short" }, Json).DefaultTimeout();
        var problem = await ExpectProblem(weak, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("password", out _));
        var users = await ReadJson(await Admin.GetAsync(new Uri("/api/users", UriKind.Relative)).DefaultTimeout());
        Assert.All(users.EnumerateArray(), u => Assert.False(u.TryGetProperty("passwordHash", out _)));
    }

    [Fact]
    public async Task TheLastAdministratorCannotBeDemoted()
    {
        var response = await Admin.PutAsJsonAsync("/api/users/admin", new { role = "Technician" }, Json).DefaultTimeout();
        Assert.Equal("user.last-admin", (await ExpectProblem(response, HttpStatusCode.Conflict)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task EndpointCredentialsGoInButNeverComeOut()
    {
        var created = await Admin.PostAsJsonAsync("/api/endpoints", new
        {
            siteCode = "PT-H-LT", sipUri = "sip:lamthao@10.2.0.1:5060", displayName = "Huyện Lâm Thao", model = "Polycom Group 500",
            expectedBitrateKbps = 4096, digestUsername = "lamthao", digestPassword = "mat-khau-rat-bi-mat",
        }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var text = await created.Content.ReadAsStringAsync().DefaultTimeout();
        var listed = await (await Admin.GetAsync(new Uri("/api/endpoints?site=PT-H-LT", UriKind.Relative)).DefaultTimeout()).Content.ReadAsStringAsync().DefaultTimeout();
        foreach (var body in new[] { text, listed })
        {
            Assert.DoesNotContain("mat-khau-rat-bi-mat", body, StringComparison.Ordinal);
            Assert.DoesNotContain("password", body, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("secret", body, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("\"hasCredentials\":true", body, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("{\"siteCode\":\"PT\",\"sipUri\":\"not a uri\",\"displayName\":\"x\"}", "sipUri")]
    [InlineData("{\"siteCode\":\"NOPE\",\"sipUri\":\"sip:a@b\",\"displayName\":\"x\"}", "siteCode")]
    [InlineData("{\"siteCode\":\"PT\",\"sipUri\":\"sip:a@b\",\"displayName\":\"x\",\"expectedBitrateKbps\":1}", "expectedBitrateKbps")]
    [InlineData("{\"siteCode\":\"PT\",\"sipUri\":\"sip:a@b\",\"displayName\":\"x\",\"digestUsername\":\"u\"}", "digestPassword")]
    public async Task BadEndpointsAreRefusedNamingTheField(string json, string field)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        var problem = await ExpectProblem(await Admin.PostAsync(new Uri("/api/endpoints", UriKind.Relative), content).DefaultTimeout(), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task ADuplicateSipUriIs409()
    {
        var again = await Admin.PostAsJsonAsync("/api/endpoints", new { siteCode = "PT-X-HC", sipUri = "sip:pt-x-hc@127.0.0.1:9", displayName = "Trùng" }, Json).DefaultTimeout();
        Assert.Equal("endpoint.duplicate-uri", (await ExpectProblem(again, HttpStatusCode.Conflict)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task SiteSearchIgnoresDiacriticsAndCase()
    {
        var found = await ReadJson(await Admin.GetAsync(new Uri("/api/sites?q=pa%20co", UriKind.Relative)).DefaultTimeout());
        Assert.Equal("Xã Pà Cò", Assert.Single(found.EnumerateArray()).GetProperty("name").GetString());
    }

    [Fact]
    public async Task SiteExportRoundTripsThroughImportExactly()
    {
        var csv = await (await Admin.GetAsync(new Uri("/api/sites/export?format=csv", UriKind.Relative)).DefaultTimeout()).Content.ReadAsByteArrayAsync().DefaultTimeout();
        using var content = new ByteArrayContent(csv);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv");
        var result = await ReadJson(await Admin.PostAsync(new Uri("/api/sites/import", UriKind.Relative), content).DefaultTimeout());
        Assert.Equal(8, result.GetProperty("unchanged").GetInt32());
        var json = await (await Admin.GetAsync(new Uri("/api/sites/export?format=json", UriKind.Relative)).DefaultTimeout()).Content.ReadAsStringAsync().DefaultTimeout();
        Assert.Contains("\"name\": \"Xã Pà Cò\"", json, StringComparison.Ordinal);
        Assert.Contains("Xã Pà Cò", Encoding.UTF8.GetString(csv), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABadSiteFileIsRefusedWithItsLinesAndNothingChanges()
    {
        using var content = new StringContent("code,name,parent_code,level,kind\nPT-X-A,Xã A,PT,commune,commune\nPT-X-B,Xã B,NOWHERE,commune,commune\n", Encoding.UTF8, "text/csv");
        var problem = await ExpectProblem(await Admin.PostAsync(new Uri("/api/sites/import", UriKind.Relative), content).DefaultTimeout(), HttpStatusCode.BadRequest);
        Assert.Contains("NOWHERE", problem.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await Admin.GetAsync(new Uri("/api/sites/PT-X-A", UriKind.Relative)).DefaultTimeout()).StatusCode);
    }

    [Fact]
    public async Task OnlyAnAdminImportsSites()
    {
        using var secretariat = await Factory.StaffAsync(StaffRoles.Secretariat);
        using var content = new StringContent("code,name,parent_code,level,kind\n", Encoding.UTF8, "text/csv");
        await ExpectProblem(await secretariat.PostAsync(new Uri("/api/sites/import", UriKind.Relative), content).DefaultTimeout(), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task UnknownRoutesAreProblems()
    {
        await ExpectProblem(await Admin.GetAsync(new Uri("/api/nothing-here", UriKind.Relative)).DefaultTimeout(), HttpStatusCode.NotFound);
    }
}
