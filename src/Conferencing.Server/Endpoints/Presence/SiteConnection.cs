namespace Conferencing.Server.Endpoints.Presence;

/// <summary>A site's connection as the secretariat reads it: the best state among its room systems.</summary>
/// <param name="State">The best state of the site's endpoints; <see cref="EndpointState.Unknown"/> without endpoints.</param>
/// <param name="Up">Endpoints that answer (reachable, in a call, or degraded).</param>
/// <param name="Total">Endpoints at the site.</param>
public sealed record SiteConnection(EndpointState State, int Up, int Total)
{
    public static SiteConnection None { get; } = new(EndpointState.Unknown, 0, 0);

    /// <summary>Ready for a meeting: some room system at the site answers ("green" in the province's words).</summary>
    public bool IsUp => Up > 0;

    /// <summary>
    /// One answering room system is enough for a site to take part, so the site shows its best
    /// endpoint: in a call, then reachable, degraded, registered, and only then unknown or offline.
    /// </summary>
    public static SiteConnection Of(IEnumerable<EndpointPresence> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var best = EndpointState.Unknown;
        int up = 0, total = 0, bestRank = -1;
        foreach (var endpoint in endpoints)
        {
            total++;
            if (endpoint.State is EndpointState.Reachable or EndpointState.InCall or EndpointState.Degraded)
            {
                up++;
            }

            var rank = Rank(endpoint.State);
            if (rank > bestRank)
            {
                (best, bestRank) = (endpoint.State, rank);
            }
        }

        return total == 0 ? None : new SiteConnection(best, up, total);
    }

    private static int Rank(EndpointState state) => state switch
    {
        EndpointState.InCall => 5,
        EndpointState.Reachable => 4,
        EndpointState.Degraded => 3,
        EndpointState.Registered => 2,
        EndpointState.Unknown => 1,
        _ => 0,
    };
}
