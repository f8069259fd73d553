using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Conferencing.Devices.Agent;
using Conferencing.Server.Store;

namespace Conferencing.Server.RoomControl;

/// <summary>A room agent as the server keeps it; the key itself is never stored, only its SHA-256.</summary>
public sealed record RoomAgent(Guid Id, string SiteCode, string Name, string KeyPrefix, DateTimeOffset CreatedUtc, string CreatedBy, DateTimeOffset? RevokedUtc, DateTimeOffset? LastSeenUtc)
{
    public bool Revoked => RevokedUtc is not null;
}

/// <summary>A device a room's agent reported, with its last state.</summary>
public sealed record SiteDevice(Guid AgentId, string SiteCode, DeviceInfo Device, DeviceState? State);

/// <summary>
/// Agents, their keys, devices and device state. Keys are 256 random bits shown once at issue; the
/// store keeps SHA-256 of the key (a random key needs no slow hash: there is nothing to guess) and the
/// first characters for people to tell keys apart.
/// </summary>
public sealed class RoomAgentStore(Database database, AuditLog audit, TimeProvider time)
{
    public const string KeyPrefix = "cra_";
    private const string Columns = "id, site_code, name, key_prefix, created_utc, created_by, revoked_utc, last_seen_utc";
    private static readonly JsonSerializerOptions Json = CreateJson();

    private static string NewKey() => KeyPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>Issues a key for a site's agent; returns the agent and the key, which is not kept.</summary>
    public async Task<(RoomAgent Agent, string Key)> IssueAsync(string siteCode, string name, string actor, CancellationToken cancellationToken)
    {
        var key = NewKey();
        var agent = new RoomAgent(Guid.NewGuid(), siteCode, name, key[..(KeyPrefix.Length + 6)], time.GetUtcNow(), actor, null, null);
        await database.InTransactionAsync(async (c, t) =>
        {
            await c.ExecuteAsync(t, "INSERT INTO room_agents (id, site_code, name, key_hash, key_prefix, created_utc, created_by) VALUES (@id, @site, @name, @hash, @prefix, @at, @by)",
                cancellationToken, ("id", agent.Id.ToString()), ("site", siteCode), ("name", name), ("hash", Hash(key)), ("prefix", agent.KeyPrefix),
                ("at", database.ToDb(agent.CreatedUtc)), ("by", actor)).ConfigureAwait(false);
            await audit.WriteAsync(c, t, actor, "room-agent.issued", "room-agent", agent.Id.ToString(), $"key {agent.KeyPrefix}… for site {siteCode} ({name})", cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return (agent, key);
    }

    /// <summary>
    /// Gives the demo's in-process agent of each site a fresh key, reusing the site's demo agent row
    /// when there is one (so a restart neither piles up agents nor leaves old keys valid), in one
    /// transaction with one audit entry for all of them.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> IssueDemoKeysAsync(IReadOnlyList<string> siteCodes, string name, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(siteCodes);
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        await database.InTransactionAsync(async (c, t) =>
        {
            var existing = await c.QueryAsync(t, $"SELECT {Columns} FROM room_agents WHERE name = @n AND revoked_utc IS NULL", Read, cancellationToken, ("n", name)).ConfigureAwait(false);
            var bySite = existing.GroupBy(a => a.SiteCode, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
            foreach (var site in siteCodes)
            {
                var key = NewKey();
                keys[site] = key;
                if (bySite.TryGetValue(site, out var agent))
                {
                    await c.ExecuteAsync(t, "UPDATE room_agents SET key_hash = @hash, key_prefix = @prefix WHERE id = @id", cancellationToken,
                        ("hash", Hash(key)), ("prefix", key[..(KeyPrefix.Length + 6)]), ("id", agent.Id.ToString())).ConfigureAwait(false);
                }
                else
                {
                    await c.ExecuteAsync(t, "INSERT INTO room_agents (id, site_code, name, key_hash, key_prefix, created_utc, created_by) VALUES (@id, @site, @name, @hash, @prefix, @at, @by)",
                        cancellationToken, ("id", Guid.NewGuid().ToString()), ("site", site), ("name", name), ("hash", Hash(key)), ("prefix", key[..(KeyPrefix.Length + 6)]),
                        ("at", database.ToDb(time.GetUtcNow())), ("by", actor)).ConfigureAwait(false);
                }
            }

            await audit.WriteAsync(c, t, actor, "room-agent.demo-keys", "room-agent", "demo", $"fresh keys for the demo agents of {siteCodes.Count} sites", cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return keys;
    }

    /// <summary>The agent a key belongs to, or null for an unknown or revoked key.</summary>
    public async Task<RoomAgent?> AuthenticateAsync(string key, CancellationToken cancellationToken)
    {
        if (!key.StartsWith(KeyPrefix, StringComparison.Ordinal) || key.Length > 128)
        {
            return null;
        }

        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync(null, $"SELECT {Columns} FROM room_agents WHERE key_hash = @h AND revoked_utc IS NULL", Read, cancellationToken, ("h", Hash(key))).ConfigureAwait(false);
        return rows.Count == 1 ? rows[0] : null;
    }

    public async Task<RoomAgent?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync(null, $"SELECT {Columns} FROM room_agents WHERE id = @id", Read, cancellationToken, ("id", id.ToString())).ConfigureAwait(false);
        return rows.Count == 1 ? rows[0] : null;
    }

    public async Task<IReadOnlyList<RoomAgent>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QueryAsync(null, $"SELECT {Columns} FROM room_agents ORDER BY site_code, created_utc", Read, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Revokes a key; false when the agent does not exist or was already revoked.</summary>
    public Task<bool> RevokeAsync(Guid id, string actor, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (c, t) =>
        {
            var changed = await c.ExecuteAsync(t, "UPDATE room_agents SET revoked_utc = @at, revoked_by = @by WHERE id = @id AND revoked_utc IS NULL",
                cancellationToken, ("at", database.ToDb(time.GetUtcNow())), ("by", actor), ("id", id.ToString())).ConfigureAwait(false);
            if (changed == 1)
            {
                await audit.WriteAsync(c, t, actor, "room-agent.revoked", "room-agent", id.ToString(), "key revoked", cancellationToken).ConfigureAwait(false);
            }

            return changed == 1;
        }, cancellationToken);

    /// <summary>Replaces the agent's devices and states with what it just reported (its resync after a connect).</summary>
    public async Task SynchronizeAsync(RoomAgent agent, AgentSnapshot snapshot, CancellationToken cancellationToken)
    {
        await database.InTransactionAsync(async (c, t) =>
        {
            var now = database.ToDb(time.GetUtcNow());
            await c.ExecuteAsync(t, "DELETE FROM room_device_states WHERE agent_id = @a", cancellationToken, ("a", agent.Id.ToString())).ConfigureAwait(false);
            await c.ExecuteAsync(t, "DELETE FROM room_devices WHERE agent_id = @a", cancellationToken, ("a", agent.Id.ToString())).ConfigureAwait(false);
            foreach (var d in snapshot.Devices)
            {
                await c.ExecuteAsync(t, "INSERT INTO room_devices (agent_id, device_id, site_code, name, kind, driver, address, updated_utc) VALUES (@a, @d, @s, @n, @k, @dr, @ad, @at)",
                    cancellationToken, ("a", agent.Id.ToString()), ("d", d.Id), ("s", agent.SiteCode), ("n", d.Name), ("k", d.Kind.ToString()), ("dr", d.Driver.ToString()),
                    ("ad", d.Address), ("at", now)).ConfigureAwait(false);
            }

            foreach (var s in snapshot.States.Where(s => snapshot.Devices.Any(d => d.Id == s.DeviceId)))
            {
                await WriteStateAsync(c, t, agent.Id, s, cancellationToken).ConfigureAwait(false);
            }

            await c.ExecuteAsync(t, "UPDATE room_agents SET last_seen_utc = @at WHERE id = @a", cancellationToken, ("at", now), ("a", agent.Id.ToString())).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        foreach (var s in snapshot.States.Where(s => snapshot.Devices.Any(d => d.Id == s.DeviceId)))
        {
            StateSaved?.Invoke(agent.Id, agent.SiteCode, s);
        }
    }

    /// <summary>A device's state was stored (agent id, site, state): for alarms and pages that follow devices.</summary>
    public event Action<Guid, string, DeviceState>? StateSaved;

    public async Task SaveStateAsync(Guid agentId, DeviceState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var site = await database.InTransactionAsync<string?>(async (c, t) =>
        {
            var rows = await c.QueryAsync(t, "SELECT site_code FROM room_devices WHERE agent_id = @a AND device_id = @d", r => r.GetString(0), cancellationToken,
                ("a", agentId.ToString()), ("d", state.DeviceId)).ConfigureAwait(false);
            if (rows.Count == 1)
            {
                await c.ExecuteAsync(t, "DELETE FROM room_device_states WHERE agent_id = @a AND device_id = @d", cancellationToken, ("a", agentId.ToString()), ("d", state.DeviceId)).ConfigureAwait(false);
                await WriteStateAsync(c, t, agentId, state, cancellationToken).ConfigureAwait(false);
            }

            return rows.Count == 1 ? rows[0] : null;
        }, cancellationToken).ConfigureAwait(false);
        if (site is not null)
        {
            StateSaved?.Invoke(agentId, site, state);
        }
    }

    /// <summary>Every device of the given sites (all sites when null), with its state.</summary>
    public async Task<IReadOnlyList<SiteDevice>> DevicesAsync(IReadOnlyCollection<string>? siteCodes, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync(null, """
            SELECT d.agent_id, d.site_code, d.device_id, d.name, d.kind, d.driver, d.address, s.body
            FROM room_devices d
            JOIN room_agents a ON a.id = d.agent_id AND a.revoked_utc IS NULL
            LEFT JOIN room_device_states s ON s.agent_id = d.agent_id AND s.device_id = d.device_id
            ORDER BY d.site_code, d.device_id
            """, r => new SiteDevice(
                Guid.Parse(r.GetString(0)), r.GetString(1),
                new DeviceInfo(r.GetString(2), r.GetString(3), Enum.Parse<DeviceKind>(r.GetString(4)), Enum.Parse<DeviceDriver>(r.GetString(5)), r.GetString(6)),
                r.IsDBNull(7) ? null : JsonSerializer.Deserialize<DeviceState>(r.GetString(7), Json)), cancellationToken).ConfigureAwait(false);
        return siteCodes is null ? rows : rows.Where(d => siteCodes.Contains(d.SiteCode)).ToList();
    }

    public Task AuditCommandAsync(string actor, string siteCode, DeviceCommand command, DeviceCommandResult result, CancellationToken cancellationToken) =>
        database.InTransactionAsync((c, t) => audit.WriteAsync(c, t, actor, "room-device.command", "room-device", $"{siteCode}/{command.DeviceId}",
            $"{command.Action}{(command.Argument is null ? "" : " " + command.Argument)}: {result.Outcome}{(result.Message is null ? "" : " — " + result.Message)}", cancellationToken), cancellationToken);

    private Task WriteStateAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction t, Guid agentId, DeviceState state, CancellationToken cancellationToken) =>
        c.ExecuteAsync(t, "INSERT INTO room_device_states (agent_id, device_id, body, observed_utc) VALUES (@a, @d, @b, @at)", cancellationToken,
            ("a", agentId.ToString()), ("d", state.DeviceId), ("b", JsonSerializer.Serialize(state, Json)), ("at", database.ToDb(state.ObservedAt)));

    private RoomAgent Read(System.Data.Common.DbDataReader r) => new(
        Guid.Parse(r.GetString(0)), r.GetString(1), r.GetString(2), r.GetString(3), database.ReadTime(r, 4), r.GetString(5),
        r.IsDBNull(6) ? null : database.ReadTime(r, 6), r.IsDBNull(7) ? null : database.ReadTime(r, 7));

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Hosting.ServerSetup.ConfigureJson(options);
        return options;
    }
}
