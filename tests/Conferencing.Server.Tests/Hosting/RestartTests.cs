using System.Net;
using System.Net.Http.Json;
using Conferencing.Server.Tests.Infrastructure;

namespace Conferencing.Server.Tests.Hosting;

public sealed class RestartTests
{
    [Fact]
    public async Task EverythingIsStillThereAfterTheServerRestarts()
    {
        await using var database = TestDatabase.Sqlite();
        Guid meetingId;
        await using (var first = new ConferencingFactory(database))
        {
            using var admin = await first.AdminAsync();
            using var sites = new StringContent(Conferencing.Server.Sites.SiteFiles.ToCsv(Sample.MixedTree()), System.Text.Encoding.UTF8, "text/csv");
            Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync(new Uri("/api/sites/import", UriKind.Relative), sites).DefaultTimeout()).StatusCode);
            var endpoint = await admin.PostAsJsonAsync("/api/endpoints", new { siteCode = "PT-X-PC", sipUri = "sip:paco@10.9.0.1", displayName = "Pà Cò", digestUsername = "paco", digestPassword = "mat-khau-pa-co" }, ConferencingFactory.Json).DefaultTimeout();
            Assert.Equal(HttpStatusCode.Created, endpoint.StatusCode);
            var start = DateTimeOffset.UtcNow.AddDays(1);
            var created = await admin.PostAsJsonAsync("/api/meetings", new
            {
                title = "Trước khi khởi động lại",
                kind = "ProvinceHosted",
                hostSiteCode = "PT",
                startUtc = start,
                endUtc = start.AddHours(2),
                sites = new { subtrees = new[] { "PT" } },
                delegates = new[] { new { name = "Lò Văn Pà", siteCode = "PT-X-PC", phone = "0987654321" } },
            }, ConferencingFactory.Json).DefaultTimeout();
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            meetingId = (await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>().DefaultTimeout()).GetProperty("id").GetGuid();
        }

        await using var second = new ConferencingFactory(database);
        using var again = await second.AdminAsync();
        var meeting = await again.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/meetings/{meetingId}").DefaultTimeout();
        Assert.Equal("Trước khi khởi động lại", meeting.GetProperty("title").GetString());
        Assert.Equal("Lò Văn Pà", meeting.GetProperty("delegates")[0].GetProperty("name").GetString());
        Assert.Equal(8, meeting.GetProperty("siteCount").GetInt32());
        var endpoints = await again.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/endpoints?site=PT-X-PC").DefaultTimeout();
        Assert.True(endpoints[0].GetProperty("hasCredentials").GetBoolean());

        // The protected password is still readable after the restart: the keys live in the store.
        var store = second.Services.GetService(typeof(Conferencing.Server.Endpoints.EndpointStore)) as Conferencing.Server.Endpoints.EndpointStore;
        var stored = await store!.GetAsync(endpoints[0].GetProperty("id").GetGuid(), CancellationToken.None).DefaultTimeout();
        Assert.Equal("mat-khau-pa-co", store.RevealPassword(stored!));
    }
}
