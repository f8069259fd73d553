using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Orleans.Configuration;
using Orleans.Serialization;

namespace Conferencing.Server.Hosting.Cluster;

/// <summary>
/// The co-hosted Orleans silo: every server process is a silo, and the web front, the registrar and
/// the conductor call grains in their own process. One process uses localhost clustering on an
/// explicit port; a cluster keeps its membership and reminders in the PostgreSQL store.
/// </summary>
public static class ClusterSetup
{
    public static WebApplicationBuilder AddCluster(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = builder.Configuration.GetSection(ClusterNodeOptions.Section).Get<ClusterNodeOptions>() ?? new ClusterNodeOptions();

        // Port 0 is resolved here, once, so that the check, the silo and the node's name agree on it.
        // The check is made now, before anything listens: checked later, the silo's own socket would fail it.
        var port = settings.SiloPort == 0 ? FreeTcpPort() : settings.SiloPort;
        var taken = settings.SiloPort != 0 && IPAddress.TryParse(settings.AdvertisedAddress, out _) && !PortIsFree(settings.AdvertisedAddress, port);
        var node = new ClusterNode(string.IsNullOrWhiteSpace(settings.NodeName)
            ? string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}:{port}")
            : settings.NodeName, port);
        builder.Services.AddSingleton(node);
        builder.Services.AddSingleton<ClusterRoleLeases>();
        builder.Services.AddSingleton<Supervision.IRoleGate>(sp => sp.GetRequiredService<ClusterRoleLeases>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ClusterRoleLeases>());
        builder.Services.AddSingleton<ClusterFeed>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ClusterFeed>());
        builder.Services.AddHostedService<ClusterBridges>();
        builder.Services.AddHealthChecks().AddCheck<ClusterHealthCheck>("cluster");
        builder.Services.AddOptions<ClusterNodeOptions>().BindConfiguration(ClusterNodeOptions.Section)
            .CheckAll(o => o.Problems())
            .Check(o => !o.IsCluster || ClusterConnectionString(o, builder.Configuration) is { Length: > 0 } cs && cs.Contains("Host=", StringComparison.OrdinalIgnoreCase),
                o => "Cluster:Mode is Postgres but neither Cluster:ConnectionString nor Store:ConnectionString names a PostgreSQL server (Host=...).")
            .Check(o => !taken,
                o => string.Create(CultureInfo.InvariantCulture, $"Cluster:SiloPort {port} on {o.AdvertisedAddress} is taken by another process; free it or choose another port (0 picks a free one)."))
            .ValidateOnStart();

        builder.UseOrleans(silo =>
        {
            var address = IPAddress.TryParse(settings.AdvertisedAddress, out var parsed) ? parsed : IPAddress.Loopback;
            if (settings.IsCluster)
            {
                silo.Configure<Orleans.Configuration.ClusterOptions>(o =>
                {
                    o.ClusterId = settings.ClusterId;
                    o.ServiceId = settings.ClusterId;
                });
                silo.Configure<EndpointOptions>(o =>
                {
                    o.AdvertisedIPAddress = address;
                    o.SiloPort = port;
                    o.GatewayPort = 0;
                    o.SiloListeningEndpoint = new IPEndPoint(address, port);
                });
                silo.UsePostgresCluster(ClusterConnectionString(settings, builder.Configuration) ?? "");
            }
            else
            {
                // No gateway: the only client is the co-hosted one, in this process.
                silo.UseLocalhostClustering(siloPort: port, gatewayPort: 0, serviceId: settings.ClusterId, clusterId: settings.ClusterId);
            }

            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = settings.ProbeTimeout;
                o.NumMissedProbesLimit = settings.MissedProbesLimit;
                // Two nodes are the common cluster here: the survivor alone must be able to declare the other dead.
                o.NumVotesForDeathDeclaration = 1;
                // One node has nobody to be declared dead by; left on, a process stalled past the
                // I-am-alive limit declared itself dead and Orleans ended the whole process (seen in a test run).
                o.LivenessEnabled = settings.IsCluster;
            });
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = ClusterCalls.ResponseTimeout);
            AddGrainSerialization(silo.Services);
        });
        return builder;
    }

    /// <summary>
    /// How the product's own types cross between nodes: as JSON, like the API writes them, unless a
    /// type carries Orleans' own serializer (<c>[GenerateSerializer]</c>: grain references inside).
    /// Every silo and client of the cluster must say the same.
    /// </summary>
    public static IServiceCollection AddGrainSerialization(IServiceCollection services) =>
        services.AddSerializer(s => s.AddJsonSerializer(
            isSupported: type => type.Namespace?.StartsWith("Conferencing.", StringComparison.Ordinal) == true
                && !type.IsDefined(typeof(GenerateSerializerAttribute), inherit: false),
            jsonSerializerOptions: JsonForGrains()));

    private static System.Text.Json.JsonSerializerOptions JsonForGrains()
    {
        var options = new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web);
        ServerSetup.ConfigureJson(options);
        return options;
    }

    private static string? ClusterConnectionString(ClusterNodeOptions options, IConfiguration configuration) =>
        string.IsNullOrWhiteSpace(options.ConnectionString) ? configuration["Store:ConnectionString"] : options.ConnectionString;

    private static int FreeTcpPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static bool PortIsFree(string address, int port)
    {
        try
        {
            using var probe = new TcpListener(IPAddress.Parse(address), port);
            probe.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

/// <summary>This process as a node of the cluster.</summary>
public sealed record ClusterNode(string Name, int SiloPort);
