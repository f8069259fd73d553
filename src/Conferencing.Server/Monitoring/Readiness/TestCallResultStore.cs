using System.Text.Json;
using Conferencing.Server.Store;

namespace Conferencing.Server.Monitoring.Readiness;

/// <summary>
/// Each endpoint's latest test call in the store (migration 14): readiness counts a result for hours,
/// so a restart, or another node drawing the board, must not forget the morning's tests.
/// </summary>
public sealed class TestCallResultStore(Database database)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task SaveAsync(TestCallResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(null,
            """
            INSERT INTO test_call_results (endpoint_id, body, ended_utc) VALUES (@e, @b, @t)
            ON CONFLICT (endpoint_id) DO UPDATE SET body = excluded.body, ended_utc = excluded.ended_utc
            WHERE test_call_results.ended_utc <= excluded.ended_utc
            """,
            cancellationToken, ("e", result.EndpointId.ToString()), ("b", JsonSerializer.Serialize(result, Json)), ("t", database.ToDb(result.EndedUtc))).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<TestCallResult>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var bodies = await connection.QueryAsync(null, "SELECT body FROM test_call_results", r => r.GetString(0), cancellationToken).ConfigureAwait(false);
        return [.. bodies.Select(b => JsonSerializer.Deserialize<TestCallResult>(b, Json)).OfType<TestCallResult>()];
    }
}
