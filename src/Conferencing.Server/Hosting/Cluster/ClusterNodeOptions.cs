using System.Globalization;
using System.Net;

namespace Conferencing.Server.Hosting.Cluster;

/// <summary>How this server process joins the control plane's Orleans cluster (section <c>Cluster</c>).</summary>
public sealed class ClusterNodeOptions
{
    public const string Section = "Cluster";

    /// <summary>One process on localhost clustering: nothing to install, the default.</summary>
    public const string SingleNode = "Single";

    /// <summary>Membership and reminders in the PostgreSQL store: two or more server processes.</summary>
    public const string Postgres = "Postgres";

    public const int DefaultSiloPort = 11111;
    public const string DefaultClusterId = "conferencing";
    public static readonly TimeSpan DefaultProbeTimeout = TimeSpan.FromSeconds(2);
    public const int DefaultMissedProbes = 3;
    public static readonly TimeSpan DefaultRoleLease = TimeSpan.FromSeconds(6);

    /// <summary><see cref="SingleNode"/> (default) or <see cref="Postgres"/>.</summary>
    public string Mode { get; set; } = SingleNode;

    /// <summary>Nodes with the same cluster id on the same store form one cluster.</summary>
    public string ClusterId { get; set; } = DefaultClusterId;

    /// <summary>
    /// Port for silo-to-silo traffic. Explicit by default so a taken port fails the start with a
    /// sentence; 0 picks a free one (tests run many servers side by side).
    /// </summary>
    public int SiloPort { get; set; } = DefaultSiloPort;

    /// <summary>The address other nodes reach this one at; loopback when single.</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>PostgreSQL connection for the cluster tables; the store's when empty.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Roles this node may take: <c>conductor</c> (drives the relays, alarms) and <c>registrar</c>
    /// (the SIP registrar and the in-process relay). Exactly one node holds each role at a time;
    /// another eligible node takes it when the holder dies. Unset: both; set to a list (possibly
    /// <c>none</c>) to keep a node out of a role.
    /// </summary>
    public string[]? Roles { get; set; }

    /// <summary>The roles this node may take, <see cref="Roles"/> or both when unset.</summary>
    public IReadOnlyList<string> EligibleRoles => Roles is null ? ClusterRoles.All : [.. Roles.Where(r => r != "none")];

    /// <summary>How long a node waits for an answer from another before it counts a missed probe.</summary>
    public TimeSpan ProbeTimeout { get; set; } = DefaultProbeTimeout;

    /// <summary>Missed probes before a node is voted dead.</summary>
    public int MissedProbesLimit { get; set; } = DefaultMissedProbes;

    /// <summary>A role holder that has not renewed for this long loses the role to another node.</summary>
    public TimeSpan RoleLease { get; set; } = DefaultRoleLease;

    /// <summary>This node's name in logs and in the role table: host name and silo port when empty.</summary>
    public string? NodeName { get; set; }

    public bool IsCluster => string.Equals(Mode, Postgres, StringComparison.OrdinalIgnoreCase);

    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!string.Equals(Mode, SingleNode, StringComparison.OrdinalIgnoreCase) && !IsCluster)
        {
            problems.Add($"Cluster:Mode is '{Mode}'; it must be '{SingleNode}' (one process) or '{Postgres}' (a cluster on the PostgreSQL store).");
        }

        if (SiloPort is < 0 or > 65535)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"Cluster:SiloPort is {SiloPort}; it must be a TCP port (1-65535), or 0 for a free one."));
        }

        if (!IPAddress.TryParse(AdvertisedAddress, out _))
        {
            problems.Add($"Cluster:AdvertisedAddress is '{AdvertisedAddress}'; it must be an IP address the other nodes reach.");
        }

        if (string.IsNullOrWhiteSpace(ClusterId))
        {
            problems.Add("Cluster:ClusterId is empty; nodes with the same id on the same store form a cluster.");
        }

        if (ProbeTimeout <= TimeSpan.Zero || MissedProbesLimit < 1)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"Cluster:ProbeTimeout ({ProbeTimeout}) must be above zero and Cluster:MissedProbesLimit ({MissedProbesLimit}) at least 1."));
        }

        if (RoleLease < TimeSpan.FromSeconds(1))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"Cluster:RoleLease is {RoleLease}; it must be at least one second."));
        }

        foreach (var role in Roles ?? [])
        {
            if (role != "none" && !ClusterRoles.All.Contains(role, StringComparer.Ordinal))
            {
                problems.Add($"Cluster:Roles names '{role}'; the roles are {string.Join(", ", ClusterRoles.All)} (or none).");
            }
        }

        return problems;
    }
}

/// <summary>The jobs that exactly one node of the cluster does at a time.</summary>
public static class ClusterRoles
{
    /// <summary>Drives the relays: plans, commands, live-call state, alarms.</summary>
    public const string Conductor = "conductor";

    /// <summary>Owns the SIP registrar (and with it presence) and the in-process relay.</summary>
    public const string Registrar = "registrar";

    public static readonly IReadOnlyList<string> All = [Conductor, Registrar];
}
