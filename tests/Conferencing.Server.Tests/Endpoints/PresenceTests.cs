using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conferencing.Server.Endpoints.Presence;
using Conferencing.Server.Tests.Infrastructure;
using Conferencing.Sip;
using Conferencing.Sip.UserAgent;
using Microsoft.Extensions.DependencyInjection;

namespace Conferencing.Server.Tests.Endpoints;

/// <summary>A room system built on our SIP stack registers with the server and is watched by OPTIONS.</summary>
public sealed class PresenceTests : ApiTestBase
{
    private async Task<Guid> CreateEndpointAsync(string user, string password)
    {
        var created = await Admin.PostAsJsonAsync("/api/endpoints", new
        {
            siteCode = "PT-X-PC", sipUri = $"sip:{user}@pa-co.invalid", displayName = "Phòng họp Pà Cò", digestUsername = user, digestPassword = password,
        }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await ReadJson(created)).GetProperty("id").GetGuid();
    }

    private async Task<string> StateOfAsync(Guid id)
    {
        var all = await Admin.GetFromJsonAsync<JsonElement>("/api/endpoints/presence", Json).DefaultTimeout();
        return all.EnumerateArray().Single(p => p.GetProperty("endpointId").GetGuid() == id).GetProperty("state").GetString()!;
    }

    private async Task WaitForStateAsync(Guid id, string state)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        string current;
        while ((current = await StateOfAsync(id)) != state)
        {
            Assert.True(DateTime.UtcNow < deadline, $"endpoint stayed {current}, expected {state}");
            await Task.Delay(100);
        }
    }

    private async Task<Conferencing.Sip.Transport.SipEndPoint> RegistrarAsync()
    {
        var presence = Factory.Services.GetRequiredService<PresenceService>();
        for (var i = 0; i < 100 && presence.UdpEndPoint is null; i++)
        {
            await Task.Delay(50);
        }

        return presence.UdpEndPoint ?? throw new InvalidOperationException("the registrar did not start");
    }

    [Fact]
    public async Task ARegisteredRoomBecomesReachableAndGoesOfflineWhenItStops()
    {
        var id = await CreateEndpointAsync("xa-pa-co", "mat-khau-pa-co");
        var registrar = await RegistrarAsync();
        Assert.Equal("Unknown", await StateOfAsync(id));

        var room = new SipUserAgent(new SipUserAgentOptions { User = "xa-pa-co", Credentials = new NetworkCredential("xa-pa-co", "mat-khau-pa-co") });
        SipResponse response;
        var attempts = 0;
        do
        {
            // The registrar learns a new endpoint's password on its next round; the room retries as real ones do.
            response = await room.RegisterAsync(SipUri.Create(null, registrar.Address), registrar, TimeSpan.FromSeconds(2)).DefaultTimeout();
        }
        while (response.StatusCode == 401 && ++attempts < 20 && await Task.Delay(200).ContinueWith(_ => true));

        Assert.Equal(200, response.StatusCode);
        await WaitForStateAsync(id, "Reachable");

        await room.DisposeAsync();
        await WaitForStateAsync(id, "Offline");
    }

    [Fact]
    public async Task AWrongPasswordNeverRegisters()
    {
        var id = await CreateEndpointAsync("xa-hy-cuong", "mat-khau-dung");
        var registrar = await RegistrarAsync();
        await using var impostor = new SipUserAgent(new SipUserAgentOptions { User = "xa-hy-cuong", Credentials = new NetworkCredential("xa-hy-cuong", "mat-khau-sai") });
        await Task.Delay(800);
        var response = await impostor.RegisterAsync(SipUri.Create(null, registrar.Address), registrar, TimeSpan.FromMinutes(5)).DefaultTimeout();
        Assert.Equal(401, response.StatusCode);
        Assert.Equal("Unknown", await StateOfAsync(id));
    }
}
