namespace Conferencing.Server.Store;

/// <summary>
/// Step 13: what Orleans' ADO.NET clustering and reminder providers (Microsoft.Orleans.Clustering.AdoNet,
/// Microsoft.Orleans.Reminders.AdoNet) read and write, written from their contract: at start each provider
/// runs <c>SELECT QueryKey, QueryText FROM OrleansQuery</c> and from then on only executes the SQL stored
/// under the keys it knows, binding its own parameter names (<c>@DeploymentId</c>, <c>@Address</c>, …)
/// and reading result columns by name. The packages ship no SQL; this step is the project's own.
/// </summary>
/// <remarks>
/// Identifiers are unquoted, so PostgreSQL folds the provider's <c>OrleansQuery</c>, <c>QueryKey</c> and
/// <c>QueryText</c> to the lower-case names created here. Result columns are aliased to the exact names
/// the providers read. A changed query later is a new step that updates its row, never an edit here.
/// </remarks>
public static partial class Migrations
{
    /// <summary>
    /// PostgreSQL only. On SQLite the step is recorded and does nothing: SQLite is the single-node store,
    /// and a single node runs Orleans with localhost clustering and in-memory reminders, never the ADO.NET
    /// providers (several silos cannot share one SQLite file safely).
    /// </summary>
    private static async Task V13OrleansCluster(MigrationContext m)
    {
        if (m.Database.Provider != StoreProvider.PostgreSql)
        {
            return;
        }

        await m.SqlAsync("""
            CREATE TABLE orleansquery (
                querykey TEXT NOT NULL PRIMARY KEY,
                querytext TEXT NOT NULL
            );
            CREATE TABLE orleans_membership_versions (
                deployment_id TEXT NOT NULL PRIMARY KEY,
                version INTEGER NOT NULL DEFAULT 0,
                updated_utc timestamptz NOT NULL DEFAULT now()
            );
            CREATE TABLE orleans_membership (
                deployment_id TEXT NOT NULL REFERENCES orleans_membership_versions(deployment_id) ON DELETE CASCADE,
                address TEXT NOT NULL,
                port INTEGER NOT NULL,
                generation INTEGER NOT NULL,
                silo_name TEXT NOT NULL,
                host_name TEXT NOT NULL,
                status INTEGER NOT NULL,
                proxy_port INTEGER NOT NULL,
                suspect_times TEXT NULL,
                start_time timestamptz NOT NULL,
                i_am_alive_time timestamptz NOT NULL,
                PRIMARY KEY (deployment_id, address, port, generation)
            );
            CREATE TABLE orleans_reminders (
                service_id TEXT NOT NULL,
                grain_id TEXT NOT NULL,
                reminder_name TEXT NOT NULL,
                start_time timestamptz NOT NULL,
                period_ms BIGINT NOT NULL,
                grain_hash INTEGER NOT NULL,
                version INTEGER NOT NULL,
                PRIMARY KEY (service_id, grain_id, reminder_name)
            );
            CREATE INDEX ix_orleans_reminders_hash ON orleans_reminders(service_id, grain_hash);

            -- Every membership change is conditional on the version the writer read: the version row is
            -- locked first, so of two writers that read the same version exactly one succeeds and the
            -- other gets false, re-reads and retries (Orleans' optimistic concurrency). A refused write
            -- changes nothing, the version included.
            CREATE FUNCTION orleans_membership_insert(
                p_deployment_id TEXT, p_address TEXT, p_port INTEGER, p_generation INTEGER,
                p_silo_name TEXT, p_host_name TEXT, p_status INTEGER, p_proxy_port INTEGER,
                p_start_time timestamptz, p_i_am_alive_time timestamptz, p_expected_version INTEGER)
            RETURNS BOOLEAN LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM 1 FROM orleans_membership_versions
                    WHERE deployment_id = p_deployment_id AND version = p_expected_version FOR UPDATE;
                IF NOT FOUND THEN
                    RETURN false;
                END IF;
                INSERT INTO orleans_membership (deployment_id, address, port, generation, silo_name, host_name,
                        status, proxy_port, suspect_times, start_time, i_am_alive_time)
                    VALUES (p_deployment_id, p_address, p_port, p_generation, p_silo_name, p_host_name,
                        p_status, p_proxy_port, NULL, p_start_time, p_i_am_alive_time)
                    ON CONFLICT DO NOTHING;
                IF NOT FOUND THEN
                    RETURN false;
                END IF;
                UPDATE orleans_membership_versions SET version = version + 1, updated_utc = now()
                    WHERE deployment_id = p_deployment_id;
                RETURN true;
            END
            $$;

            CREATE FUNCTION orleans_membership_update(
                p_deployment_id TEXT, p_address TEXT, p_port INTEGER, p_generation INTEGER,
                p_status INTEGER, p_suspect_times TEXT, p_i_am_alive_time timestamptz, p_expected_version INTEGER)
            RETURNS BOOLEAN LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM 1 FROM orleans_membership_versions
                    WHERE deployment_id = p_deployment_id AND version = p_expected_version FOR UPDATE;
                IF NOT FOUND THEN
                    RETURN false;
                END IF;
                UPDATE orleans_membership
                    SET status = p_status, suspect_times = p_suspect_times, i_am_alive_time = p_i_am_alive_time
                    WHERE deployment_id = p_deployment_id AND address = p_address AND port = p_port AND generation = p_generation;
                IF NOT FOUND THEN
                    RETURN false;
                END IF;
                UPDATE orleans_membership_versions SET version = version + 1, updated_utc = now()
                    WHERE deployment_id = p_deployment_id;
                RETURN true;
            END
            $$;
            """).ConfigureAwait(false);

        foreach (var (key, text) in ClusterQueries)
        {
            await m.Connection.ExecuteAsync(m.Transaction, "INSERT INTO orleansquery (querykey, querytext) VALUES (@k, @t)", m.CancellationToken,
                ("k", key), ("t", text)).ConfigureAwait(false);
        }
    }

    private const string MemberColumns = """
        m.address AS "Address", m.port AS "Port", m.generation AS "Generation", m.silo_name AS "SiloName",
        m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort", m.suspect_times AS "SuspectTimes",
        m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime", v.version AS "Version"
        """;

    private const string ReminderColumns = """
        grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime", period_ms AS "Period", version AS "Version"
        """;

    /// <summary>The named SQL step 13 stores, by the key each provider looks up (the keys are the contract).</summary>
    private static readonly (string Key, string Text)[] ClusterQueries =
    [
        // Clustering: the version row of a deployment (ClusterId) is created once; true when this call created it.
        ("InsertMembershipVersionKey", """
            WITH created AS (
                INSERT INTO orleans_membership_versions (deployment_id) VALUES (@DeploymentId)
                ON CONFLICT DO NOTHING RETURNING 1)
            SELECT EXISTS (SELECT 1 FROM created)
            """),
        // Reads always return the version, even with no silo rows: a row of NULL silo columns then.
        ("MembershipReadAllKey", $"""
            SELECT {MemberColumns}
            FROM orleans_membership_versions v
            LEFT JOIN orleans_membership m ON m.deployment_id = v.deployment_id
            WHERE v.deployment_id = @DeploymentId
            """),
        ("MembershipReadRowKey", $"""
            SELECT {MemberColumns}
            FROM orleans_membership_versions v
            LEFT JOIN orleans_membership m ON m.deployment_id = v.deployment_id
                AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
            WHERE v.deployment_id = @DeploymentId
            """),
        ("InsertMembershipKey", """
            SELECT orleans_membership_insert(@DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName,
                @Status, @ProxyPort, @StartTime, @IAmAliveTime, @Version)
            """),
        ("UpdateMembershipKey", """
            SELECT orleans_membership_update(@DeploymentId, @Address, @Port, @Generation, @Status, @SuspectTimes,
                @IAmAliveTime, @Version)
            """),
        // The heartbeat is outside the versioned writes on purpose: it is frequent and decides nothing.
        ("UpdateIAmAlivetimeKey", """
            UPDATE orleans_membership SET i_am_alive_time = @IAmAliveTime
            WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
            """),
        // Gateways for clients: active silos (@Status is Active) that listen for clients.
        ("GatewaysQueryKey", """
            SELECT address AS "Address", proxy_port AS "ProxyPort", generation AS "Generation"
            FROM orleans_membership
            WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0
            """),
        ("DeleteMembershipTableEntriesKey", """
            DELETE FROM orleans_membership_versions WHERE deployment_id = @DeploymentId
            """),
        // Dead silos (status 6) silent since the cut-off.
        ("CleanupDefunctSiloEntriesKey", """
            DELETE FROM orleans_membership
            WHERE deployment_id = @DeploymentId AND status = 6 AND i_am_alive_time < @IAmAliveTime
            """),
        // The provider prefers this one when present: it deletes one dead row it judged expired, and only
        // if the row is still exactly as it read it (no newer heartbeat or vote arrived meanwhile).
        ("CleanupDefunctSiloEntryKey", """
            DELETE FROM orleans_membership
            WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
                AND status = 6 AND start_time = @StartTime AND i_am_alive_time = @IAmAliveTime
                AND suspect_times IS NOT DISTINCT FROM @SuspectTimes
            """),

        // Reminders, per ServiceId. A grain's hash is stored as the signed 32-bit value the provider sends;
        // a ring range (begin, end] that does not wrap in that order is read with the first query, a
        // wrapping one (or the whole ring, begin = end) with the second.
        ("ReadReminderRowsKey", $"""
            SELECT {ReminderColumns} FROM orleans_reminders
            WHERE service_id = @ServiceId AND grain_id = @GrainId
            """),
        ("ReadReminderRowKey", $"""
            SELECT {ReminderColumns} FROM orleans_reminders
            WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName
            """),
        ("ReadRangeRows1Key", $"""
            SELECT {ReminderColumns} FROM orleans_reminders
            WHERE service_id = @ServiceId AND grain_hash > @BeginHash AND grain_hash <= @EndHash
            """),
        ("ReadRangeRows2Key", $"""
            SELECT {ReminderColumns} FROM orleans_reminders
            WHERE service_id = @ServiceId AND (grain_hash > @BeginHash OR grain_hash <= @EndHash)
            """),
        // Returns the row's new version, its etag: 0 when created, one more on every change.
        ("UpsertReminderRowKey", """
            INSERT INTO orleans_reminders (service_id, grain_id, reminder_name, start_time, period_ms, grain_hash, version)
            VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
            ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
                SET start_time = excluded.start_time, period_ms = excluded.period_ms, grain_hash = excluded.grain_hash,
                    version = orleans_reminders.version + 1
            RETURNING version AS "Version"
            """),
        // Deletes only the version the caller holds; true when it did.
        ("DeleteReminderRowKey", """
            WITH deleted AS (
                DELETE FROM orleans_reminders
                WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName AND version = @Version
                RETURNING 1)
            SELECT EXISTS (SELECT 1 FROM deleted)
            """),
        ("DeleteReminderRowsKey", """
            DELETE FROM orleans_reminders WHERE service_id = @ServiceId
            """),
    ];
}
