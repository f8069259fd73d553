using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conferencing.Server.Hosting;
using Conferencing.Server.Tests.Infrastructure;

namespace Conferencing.Server.Tests.Store;

/// <summary>The whole server on PostgreSQL, chosen by nothing but the connection string.</summary>
public sealed class PostgresApiTests
{
    [Fact]
    public async Task TheServerRunsOnPostgresChosenByTheConnectionString()
    {
        await using var database = await TestDatabase.PostgresAsync();
        Guid id;
        await using (var factory = new ConferencingFactory(database))
        {
            using var admin = await factory.AdminAsync();
            using var sites = new StringContent(Conferencing.Server.Sites.SiteFiles.ToCsv(Sample.Province(148)), System.Text.Encoding.UTF8, "text/csv");
            Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync(new Uri("/api/sites/import", UriKind.Relative), sites).DefaultTimeout()).StatusCode);
            foreach (var code in new[] { "PT", "PT-X001", "PT-X148" })
            {
                Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/endpoints", new { siteCode = code, sipUri = $"sip:{code}@10.3.0.1", displayName = code }, ConferencingFactory.Json).DefaultTimeout()).StatusCode);
            }

            var start = DateTimeOffset.UtcNow.AddDays(1);
            var body = new { title = "Toàn tỉnh", kind = "ProvinceHosted", hostSiteCode = "PT", startUtc = start, endUtc = start.AddHours(3), sites = new { subtrees = new[] { "PT" }, levels = new[] { "Commune" } } };
            var created = await admin.PostAsJsonAsync("/api/meetings", body, ConferencingFactory.Json).DefaultTimeout();
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var meeting = await created.Content.ReadFromJsonAsync<JsonElement>(ConferencingFactory.Json).DefaultTimeout();
            Assert.Equal(149, meeting.GetProperty("siteCount").GetInt32());
            id = meeting.GetProperty("id").GetGuid();
            var clash = await admin.PostAsJsonAsync("/api/meetings", body with { title = "Trùng" }, ConferencingFactory.Json).DefaultTimeout();
            Assert.Equal(HttpStatusCode.Conflict, clash.StatusCode);
        }

        await using var restarted = new ConferencingFactory(database);
        using var again = await restarted.AdminAsync();
        var back = await again.GetFromJsonAsync<JsonElement>($"/api/meetings/{id}", ConferencingFactory.Json).DefaultTimeout();
        Assert.Equal("Toàn tỉnh", back.GetProperty("title").GetString());
    }

    [Fact]
    public async Task TheSetupCommandCreatesAnAdministratorWhoCanSignIn()
    {
        await using var database = await TestDatabase.PostgresAsync();
        await using var factory = new ConferencingFactory(database);
        using var _ = factory.CreateClient();
        Environment.SetEnvironmentVariable(CommandLine.PasswordVariable, "mat-khau-quan-tri");
        try
        {
            var code = await CommandLine.RunAsync(factory.Services, ["create-admin", "quantri"]).DefaultTimeout();
            Assert.Equal(0, code);
            using var admin = await factory.SignedInAsync("quantri", "mat-khau-quan-tri");
            Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(new Uri("/api/users", UriKind.Relative)).DefaultTimeout()).StatusCode);
            Assert.Equal(1, await CommandLine.RunAsync(factory.Services, ["create-admin", "quantri"]).DefaultTimeout());
        }
        finally
        {
            Environment.SetEnvironmentVariable(CommandLine.PasswordVariable, null);
        }
    }
}
