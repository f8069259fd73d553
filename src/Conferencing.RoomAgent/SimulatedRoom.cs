using Conferencing.Devices.Simulation;

namespace Conferencing.RoomAgent;

/// <summary>The devices of a room with no hardware: real protocol simulators on loopback, wired into the configuration.</summary>
internal sealed class SimulatedRoom(ViscaIpCameraSimulator camera, PjLinkProjectorSimulator projector) : IAsyncDisposable
{
    private const string Password = "JBMIAProjectorLink";

    public static Task<SimulatedRoom> StartAsync(IConfigurationManager configuration)
    {
        var room = new SimulatedRoom(new ViscaIpCameraSimulator(), new PjLinkProjectorSimulator(Password));
        configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Agent:Devices:0:Id"] = "camera",
            ["Agent:Devices:0:Name"] = "Camera PTZ (mô phỏng)",
            ["Agent:Devices:0:Kind"] = "Camera",
            ["Agent:Devices:0:Driver"] = "ViscaIp",
            ["Agent:Devices:0:Address"] = room._camera.EndPoint.ToString(),
            ["Agent:Devices:1:Id"] = "projector",
            ["Agent:Devices:1:Name"] = "Máy chiếu (mô phỏng)",
            ["Agent:Devices:1:Kind"] = "Projector",
            ["Agent:Devices:1:Driver"] = "PjLink",
            ["Agent:Devices:1:Address"] = room._projector.EndPoint.ToString(),
            ["Agent:Devices:1:Password"] = Password,
            ["Agent:Devices:1:ConferenceInput"] = "31",
        });
        return Task.FromResult(room);
    }

    private readonly ViscaIpCameraSimulator _camera = camera;
    private readonly PjLinkProjectorSimulator _projector = projector;

    public async ValueTask DisposeAsync()
    {
        await _camera.DisposeAsync().ConfigureAwait(false);
        await _projector.DisposeAsync().ConfigureAwait(false);
    }
}
