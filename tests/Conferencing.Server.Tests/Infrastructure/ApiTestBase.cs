using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conferencing.Server.Tests.Infrastructure;

namespace Conferencing.Server.Tests.Infrastructure;

/// <summary>One server over a fresh SQLite store per test class, with a small mixed tree and endpoints.</summary>
public abstract class ApiTestBase : IAsyncLifetime
{
    protected ConferencingFactory Factory { get; private set; } = null!;

    protected HttpClient Admin { get; private set; } = null!;

    protected static JsonSerializerOptions Json => ConferencingFactory.Json;

    protected virtual bool Demo => false;

    /// <summary>Settings a test class adds to the server's configuration.</summary>
    protected virtual IReadOnlyDictionary<string, string?>? Settings => null;

    /// <summary>The sites that get a room system (an endpoint) in the small tree.</summary>
    protected virtual string[] EndpointSites => ["PT", "PT-X-LT", "PT-X-HC", "PT-X-PC", "PT-X-DH", "PT-P-VT"];

    /// <summary>The store under test: SQLite unless a class asks for PostgreSQL.</summary>
    protected virtual Task<TestDatabase> CreateDatabaseAsync() => Task.FromResult(TestDatabase.Sqlite());

    public virtual async Task InitializeAsync()
    {
        Factory = new ConferencingFactory(await CreateDatabaseAsync(), Demo, settings: Settings);
        Admin = await Factory.AdminAsync();
        if (!Demo)
        {
            var csv = Conferencing.Server.Sites.SiteFiles.ToCsv(Sample.MixedTree());
            using var content = new StringContent(csv, System.Text.Encoding.UTF8, "text/csv");
            var imported = await Admin.PostAsync(new Uri("/api/sites/import", UriKind.Relative), content).DefaultTimeout();
            Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
            foreach (var code in EndpointSites)
            {
                // Loopback, the discard port: a started meeting's calls go nowhere off this machine.
                var created = await Admin.PostAsJsonAsync("/api/endpoints", new { siteCode = code, sipUri = $"sip:{code.ToLowerInvariant()}@127.0.0.1:9", displayName = "Phòng họp " + code }, Json).DefaultTimeout();
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            }
        }
    }

    public virtual async Task DisposeAsync()
    {
        Admin.Dispose();
        await Factory.DisposeAsync();
        await Factory.Database.DisposeAsync();
    }

    protected static DateTimeOffset Tomorrow(int hourLocal) =>
        new DateTimeOffset(DateTime.SpecifyKind(DateTime.UtcNow.Date.AddDays(2).AddHours(hourLocal), DateTimeKind.Unspecified), TimeSpan.FromHours(7));

    protected static object MeetingBody(string title, DateTimeOffset start, int hours, string[] sites, string kind = "ProvinceHosted", string host = "PT") => new
    {
        title,
        kind,
        hostSiteCode = host,
        startUtc = start,
        endUtc = start.AddHours(hours),
        sites = new { subtrees = Array.Empty<string>(), sites },
    };

    protected static async Task<JsonElement> ReadJson(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>(Json).DefaultTimeout());

    protected static async Task<JsonElement> ExpectProblem(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await ReadJson(response);
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        return problem;
    }
}
