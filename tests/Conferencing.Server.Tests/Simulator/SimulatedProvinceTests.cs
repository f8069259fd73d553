using System.Net.Http.Json;
using System.Text.Json;
using Conferencing.Server.Simulator;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Conferencing.Server.Tests.Simulator;

/// <summary>The demo's simulated room systems register over real SIP and are watched like real rooms.</summary>
public sealed class SimulatedProvinceTests : IAsyncLifetime
{
    private ConferencingFactory _factory = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _factory = new ConferencingFactory(TestDatabase.Sqlite(), demo: true, simulateRooms: true);
        _admin = await _factory.AdminAsync();
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _factory.DisposeAsync();
        await _factory.Database.DisposeAsync();
    }

    private async Task<Dictionary<Guid, string>> StatesAsync()
    {
        var all = await _admin.GetFromJsonAsync<JsonElement>("/api/endpoints/presence", ConferencingFactory.Json).DefaultTimeout();
        return all.EnumerateArray().ToDictionary(p => p.GetProperty("endpointId").GetGuid(), p => p.GetProperty("state").GetString()!);
    }

    [Fact]
    public async Task EverySimulatedRoomBecomesReachableAndAStoppedOneGoesOffline()
    {
        var deadline = DateTime.UtcNow.AddSeconds(45);
        Dictionary<Guid, string> states;
        while ((states = await StatesAsync()).Values.Any(s => s != "Reachable"))
        {
            var sim = _factory.Services.GetRequiredService<RoomSimulatorService>();
            Assert.True(DateTime.UtcNow < deadline, string.Join(", ", states.Values.GroupBy(s => s).Select(g => $"{g.Key}: {g.Count()}"))
                + $"; rooms {sim.Rooms.Count}, registered {sim.Rooms.Values.Count(r => r.Registered)}");
            await Task.Delay(250);
        }

        Assert.Equal(165, states.Count);
        var simulator = _factory.Services.GetRequiredService<RoomSimulatorService>();
        var victim = states.Keys.First();
        Assert.True(await simulator.StopRoomAsync(victim));
        while ((await StatesAsync())[victim] != "Offline")
        {
            Assert.True(DateTime.UtcNow < deadline.AddSeconds(15), "the stopped room never went offline");
            await Task.Delay(250);
        }

        Assert.True(await simulator.StartRoomAsync(victim, CancellationToken.None));
        while ((await StatesAsync())[victim] != "Reachable")
        {
            Assert.True(DateTime.UtcNow < deadline.AddSeconds(30), "the restarted room never came back");
            await Task.Delay(250);
        }
    }
}
