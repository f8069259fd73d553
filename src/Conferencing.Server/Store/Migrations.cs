using System.Data.Common;
using System.Text.Json;
using Conferencing.Server.Common;

namespace Conferencing.Server.Store;

/// <summary>The context a migration step runs in: one open transaction on the database being upgraded.</summary>
public sealed record MigrationContext(Database Database, DbConnection Connection, DbTransaction Transaction, CancellationToken CancellationToken)
{
    /// <summary>Runs SQL written for both engines; <c>{ts}</c> stands for the engine's timestamp type.</summary>
    public Task<int> SqlAsync(string sql) =>
        Connection.ExecuteAsync(Transaction, sql.Replace("{ts}", Database.TimestampType, StringComparison.Ordinal), CancellationToken);
}

/// <summary>One schema version. Steps never change once released; a new need is a new step.</summary>
public sealed record Migration(int Version, string Name, Func<MigrationContext, Task> ApplyAsync);

/// <summary>
/// Every schema version, oldest first. A step may carry data along (backfills) because a live database
/// is upgraded in place. Steps read stored JSON as raw documents, never through today's model types,
/// so an old step keeps meaning the same thing after the model moves on.
/// </summary>
public static partial class Migrations
{
    public static IReadOnlyList<Migration> All { get; } =
    [
        new(1, "sites, endpoints, staff accounts, meetings", V1Initial),
        new(2, "diacritic-free site search and the meeting-site index used for conflicts", V2SearchAndMeetingSites),
        new(3, "audit trail and data-protection keys", V3AuditAndKeys),
        new(4, "alarms", V4Alarms),
        new(5, "paperless room: documents, delegate access, presenter, speaking requests, votes", V5PaperlessRoom),
        new(6, "per-meeting media quality of each site, for the reports", V6MeetingSiteQuality),
        new(7, "relay nodes, meeting dial-in numbers, per-site call quality history", V7Relaying),
        new(8, "alarms name their meeting and who cleared them; history by time", V8AlarmHistory),
        new(9, "staff security stamps and site scopes; failed sign-ins kept in the store", V9StaffSessions),
        new(10, "delegate sign-in: PIN attempt throttles and reissued PINs", V10DelegatePins),
        new(11, "room agents (hashed keys), their devices and each device's last state", V11RoomAgents),
        new(12, "room key ring: retired keys and the key each meeting's PINs use", V12RoomKeyRing),
        new(13, "Orleans cluster membership and reminders", V13OrleansCluster),
        new(14, "technicians' call holds and the latest test call of each endpoint", V14CallHoldsAndTestCalls),
        new(18, "meeting recordings, and each meeting's recording switch and open-discussion mode", V18Recordings),
        new(19, "cluster roles; one open vote per meeting and one active request to speak per delegate, kept by the store", V19ClusterRoles),
        new(20, "the registrar's bindings, so a node taking the registrar over knows every room's address", V20SipRegistrations),
    ];

    public static int Latest => All[^1].Version;

    private static async Task V1Initial(MigrationContext m)
    {
        await m.SqlAsync("""
            CREATE TABLE sites (
                code TEXT NOT NULL PRIMARY KEY,
                name TEXT NOT NULL,
                parent_code TEXT NULL REFERENCES sites(code),
                level TEXT NOT NULL,
                kind TEXT NOT NULL,
                created_utc {ts} NOT NULL,
                updated_utc {ts} NOT NULL
            );
            CREATE INDEX ix_sites_parent ON sites(parent_code);
            CREATE TABLE endpoints (
                id TEXT NOT NULL PRIMARY KEY,
                site_code TEXT NOT NULL REFERENCES sites(code),
                sip_uri TEXT NOT NULL UNIQUE,
                display_name TEXT NOT NULL,
                model TEXT NULL,
                address TEXT NULL,
                expected_bitrate_kbps INTEGER NOT NULL,
                digest_username TEXT NULL,
                digest_secret TEXT NULL,
                created_utc {ts} NOT NULL,
                updated_utc {ts} NOT NULL
            );
            CREATE INDEX ix_endpoints_site ON endpoints(site_code);
            CREATE TABLE staff_users (
                username TEXT NOT NULL PRIMARY KEY,
                display_name TEXT NOT NULL,
                role TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                disabled INTEGER NOT NULL DEFAULT 0,
                created_utc {ts} NOT NULL
            );
            CREATE TABLE meetings (
                id TEXT NOT NULL PRIMARY KEY,
                version INTEGER NOT NULL,
                title TEXT NOT NULL,
                kind TEXT NOT NULL,
                status TEXT NOT NULL,
                host_site_code TEXT NOT NULL REFERENCES sites(code),
                start_utc {ts} NOT NULL,
                end_utc {ts} NOT NULL,
                body TEXT NOT NULL,
                created_utc {ts} NOT NULL,
                updated_utc {ts} NOT NULL
            );
            """).ConfigureAwait(false);
    }

    private static async Task V2SearchAndMeetingSites(MigrationContext m)
    {
        await m.SqlAsync("""
            ALTER TABLE sites ADD COLUMN search_name TEXT NOT NULL DEFAULT '';
            CREATE TABLE meeting_sites (
                meeting_id TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
                site_code TEXT NOT NULL REFERENCES sites(code),
                PRIMARY KEY (meeting_id, site_code)
            );
            CREATE INDEX ix_meeting_sites_site ON meeting_sites(site_code);
            CREATE INDEX ix_meetings_time ON meetings(start_utc, end_utc);
            CREATE INDEX ix_meetings_status ON meetings(status);
            """).ConfigureAwait(false);

        var sites = await m.Connection.QueryAsync(m.Transaction, "SELECT code, name FROM sites", r => (Code: r.GetString(0), Name: r.GetString(1)), m.CancellationToken).ConfigureAwait(false);
        foreach (var (code, name) in sites)
        {
            await m.Connection.ExecuteAsync(m.Transaction, "UPDATE sites SET search_name = @s WHERE code = @c", m.CancellationToken,
                ("s", VietnameseText.Fold(name)), ("c", code)).ConfigureAwait(false);
        }

        var meetings = await m.Connection.QueryAsync(m.Transaction, "SELECT id, body FROM meetings", r => (Id: r.GetString(0), Body: r.GetString(1)), m.CancellationToken).ConfigureAwait(false);
        foreach (var (id, body) in meetings)
        {
            using var document = JsonDocument.Parse(body);
            if (!document.RootElement.TryGetProperty("siteCodes", out var codes) || codes.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var code in codes.EnumerateArray())
            {
                await m.Connection.ExecuteAsync(m.Transaction, "INSERT INTO meeting_sites (meeting_id, site_code) VALUES (@m, @s) ON CONFLICT DO NOTHING", m.CancellationToken,
                    ("m", id), ("s", code.GetString())).ConfigureAwait(false);
            }
        }
    }

    private static Task V3AuditAndKeys(MigrationContext m) => m.SqlAsync("""
        CREATE TABLE audit_log (
            id TEXT NOT NULL PRIMARY KEY,
            at_utc {ts} NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            entity_type TEXT NOT NULL,
            entity_id TEXT NOT NULL,
            summary TEXT NOT NULL
        );
        CREATE INDEX ix_audit_entity ON audit_log(entity_type, entity_id);
        CREATE INDEX ix_audit_time ON audit_log(at_utc);
        CREATE TABLE data_protection_keys (
            name TEXT NOT NULL PRIMARY KEY,
            xml TEXT NOT NULL,
            created_utc {ts} NOT NULL
        );
        """);

    private static Task V4Alarms(MigrationContext m) => m.SqlAsync("""
        CREATE TABLE alarms (
            id TEXT NOT NULL PRIMARY KEY,
            kind TEXT NOT NULL,
            severity TEXT NOT NULL,
            endpoint_id TEXT NULL,
            site_code TEXT NOT NULL,
            message TEXT NOT NULL,
            raised_utc {ts} NOT NULL,
            acknowledged_by TEXT NULL,
            acknowledged_utc {ts} NULL,
            cleared_utc {ts} NULL
        );
        CREATE INDEX ix_alarms_open ON alarms(cleared_utc);
        CREATE INDEX ix_alarms_site ON alarms(site_code, raised_utc);
        """);

    private static Task V5PaperlessRoom(MigrationContext m) => m.SqlAsync("""
        CREATE TABLE documents (
            id TEXT NOT NULL PRIMARY KEY,
            meeting_id TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
            agenda_item_id TEXT NULL,
            title TEXT NOT NULL,
            confidential INTEGER NOT NULL DEFAULT 0,
            sort_order INTEGER NOT NULL,
            current_version INTEGER NOT NULL,
            created_by TEXT NOT NULL,
            created_utc {ts} NOT NULL,
            updated_utc {ts} NOT NULL,
            deleted_utc {ts} NULL
        );
        CREATE INDEX ix_documents_meeting ON documents(meeting_id, sort_order);
        CREATE TABLE document_versions (
            document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            file_name TEXT NOT NULL,
            size_bytes BIGINT NOT NULL,
            sha256 TEXT NOT NULL,
            page_count INTEGER NOT NULL,
            uploaded_by TEXT NOT NULL,
            uploaded_utc {ts} NOT NULL,
            PRIMARY KEY (document_id, version)
        );
        CREATE TABLE document_opens (
            id TEXT NOT NULL PRIMARY KEY,
            meeting_id TEXT NOT NULL,
            document_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            reader_kind TEXT NOT NULL,
            reader_id TEXT NOT NULL,
            reader_name TEXT NOT NULL,
            session_id TEXT NULL,
            device TEXT NOT NULL,
            address TEXT NULL,
            stamped INTEGER NOT NULL,
            opened_utc {ts} NOT NULL
        );
        CREATE INDEX ix_document_opens_document ON document_opens(document_id, opened_utc);
        CREATE INDEX ix_document_opens_meeting ON document_opens(meeting_id, opened_utc);
        CREATE TABLE room_keys (
            name TEXT NOT NULL PRIMARY KEY,
            value TEXT NOT NULL,
            created_utc {ts} NOT NULL
        );
        CREATE TABLE spent_tokens (
            id TEXT NOT NULL PRIMARY KEY,
            kind TEXT NOT NULL,
            meeting_id TEXT NOT NULL,
            spent_utc {ts} NOT NULL,
            expires_utc {ts} NOT NULL
        );
        CREATE INDEX ix_spent_tokens_expiry ON spent_tokens(expires_utc);
        CREATE TABLE delegate_sessions (
            id TEXT NOT NULL PRIMARY KEY,
            meeting_id TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
            delegate_id TEXT NOT NULL,
            via TEXT NOT NULL,
            device TEXT NOT NULL,
            created_utc {ts} NOT NULL,
            expires_utc {ts} NOT NULL,
            revoked_utc {ts} NULL
        );
        CREATE INDEX ix_delegate_sessions_meeting ON delegate_sessions(meeting_id, delegate_id);
        CREATE TABLE display_links (
            id TEXT NOT NULL PRIMARY KEY,
            site_code TEXT NOT NULL REFERENCES sites(code),
            token_hash TEXT NOT NULL UNIQUE,
            label TEXT NULL,
            created_by TEXT NOT NULL,
            created_utc {ts} NOT NULL,
            revoked_utc {ts} NULL
        );
        CREATE INDEX ix_display_links_site ON display_links(site_code);
        CREATE TABLE room_presenter (
            meeting_id TEXT NOT NULL PRIMARY KEY REFERENCES meetings(id) ON DELETE CASCADE,
            document_id TEXT NULL,
            version INTEGER NULL,
            page INTEGER NULL,
            seq BIGINT NOT NULL,
            set_by TEXT NOT NULL,
            set_utc {ts} NOT NULL
        );
        CREATE TABLE speak_requests (
            id TEXT NOT NULL PRIMARY KEY,
            meeting_id TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
            delegate_id TEXT NOT NULL,
            site_code TEXT NOT NULL,
            status TEXT NOT NULL,
            requested_utc {ts} NOT NULL,
            decided_utc {ts} NULL,
            decided_by TEXT NULL
        );
        CREATE INDEX ix_speak_requests_meeting ON speak_requests(meeting_id, status, requested_utc);
        CREATE TABLE polls (
            id TEXT NOT NULL PRIMARY KEY,
            meeting_id TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
            agenda_item_id TEXT NULL,
            question TEXT NOT NULL,
            secret INTEGER NOT NULL,
            status TEXT NOT NULL,
            eligible INTEGER NOT NULL,
            agree INTEGER NOT NULL DEFAULT 0,
            disagree INTEGER NOT NULL DEFAULT 0,
            abstain INTEGER NOT NULL DEFAULT 0,
            created_by TEXT NOT NULL,
            created_utc {ts} NOT NULL,
            opened_utc {ts} NULL,
            closed_utc {ts} NULL
        );
        CREATE INDEX ix_polls_meeting ON polls(meeting_id, created_utc);
        CREATE TABLE ballots (
            poll_id TEXT NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
            delegate_id TEXT NOT NULL,
            choice TEXT NULL,
            cast_utc {ts} NULL,
            PRIMARY KEY (poll_id, delegate_id)
        );
        """);

    private static Task V6MeetingSiteQuality(MigrationContext m) => m.SqlAsync("""
        CREATE TABLE meeting_site_quality (
            meeting_id TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
            site_code TEXT NOT NULL REFERENCES sites(code),
            connected_seconds INTEGER NOT NULL,
            samples INTEGER NOT NULL,
            loss_percent DOUBLE PRECISION NULL,
            jitter_ms DOUBLE PRECISION NULL,
            round_trip_ms DOUBLE PRECISION NULL,
            bitrate_kbps DOUBLE PRECISION NULL,
            updated_utc {ts} NOT NULL,
            PRIMARY KEY (meeting_id, site_code)
        );
        CREATE INDEX ix_meeting_site_quality_site ON meeting_site_quality(site_code);
        """);

    /// <summary>
    /// Standalone relay nodes and the site each serves (its shared key and SIP password protected
    /// like endpoint passwords); a unique dial-in number per meeting (the body carries it too,
    /// assigned when a meeting is scheduled or, for older ones, when it prepares); and the
    /// per-second call statistics of each site downsampled into buckets.
    /// </summary>
    private static Task V7Relaying(MigrationContext m) => m.SqlAsync("""
        CREATE TABLE relay_nodes (
            id TEXT NOT NULL PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            site_code TEXT NOT NULL UNIQUE REFERENCES sites(code),
            control_url TEXT NOT NULL,
            api_key_secret TEXT NOT NULL,
            sip_address TEXT NOT NULL,
            sip_user TEXT NOT NULL UNIQUE,
            sip_password_secret TEXT NOT NULL,
            created_utc {ts} NOT NULL,
            updated_utc {ts} NOT NULL
        );
        ALTER TABLE meetings ADD COLUMN dial_number TEXT NULL;
        CREATE UNIQUE INDEX ux_meetings_dial_number ON meetings(dial_number);
        CREATE TABLE call_quality_history (
            meeting_id TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
            site_code TEXT NOT NULL,
            bucket_utc {ts} NOT NULL,
            samples INTEGER NOT NULL,
            loss_in_percent DOUBLE PRECISION NULL,
            loss_out_percent DOUBLE PRECISION NULL,
            max_loss_percent DOUBLE PRECISION NULL,
            jitter_ms DOUBLE PRECISION NULL,
            round_trip_ms DOUBLE PRECISION NULL,
            bitrate_in_kbps DOUBLE PRECISION NULL,
            bitrate_out_kbps DOUBLE PRECISION NULL,
            PRIMARY KEY (meeting_id, site_code, bucket_utc)
        );
        """);

    /// <summary>
    /// Alarms of a call (loss, no media) name the meeting; a manual clear names who cleared it
    /// (automatic clears leave it null); the history page reads by time.
    /// </summary>
    private static Task V8AlarmHistory(MigrationContext m) => m.SqlAsync("""
        ALTER TABLE alarms ADD COLUMN meeting_id TEXT NULL;
        ALTER TABLE alarms ADD COLUMN cleared_by TEXT NULL;
        CREATE INDEX ix_alarms_raised ON alarms(raised_utc);
        CREATE INDEX ix_alarms_endpoint ON alarms(endpoint_id, kind, cleared_utc);
        """);

    /// <summary>
    /// Each staff account gets a security stamp (every existing account a fresh one, so cookies
    /// issued before the upgrade, which carry none, end at once) and an optional site scope. No
    /// foreign key on the scope: deleting a site must not fail on an account; an account whose scope
    /// site is gone sees nothing. Failed sign-ins per account and per source address live in the
    /// store so that every node counts them and a restart does not forgive them.
    /// </summary>
    private static async Task V9StaffSessions(MigrationContext m)
    {
        await m.SqlAsync("""
            ALTER TABLE staff_users ADD COLUMN security_stamp TEXT NULL;
            ALTER TABLE staff_users ADD COLUMN scope_site_code TEXT NULL;
            CREATE TABLE login_failures (
                kind TEXT NOT NULL,
                subject TEXT NOT NULL,
                failures INTEGER NOT NULL,
                last_failure_utc {ts} NOT NULL,
                locked_until_utc {ts} NULL,
                PRIMARY KEY (kind, subject)
            );
            CREATE INDEX ix_login_failures_last ON login_failures(last_failure_utc);
            """).ConfigureAwait(false);
        var names = await m.Connection.QueryAsync(m.Transaction, "SELECT username FROM staff_users", r => r.GetString(0), m.CancellationToken).ConfigureAwait(false);
        foreach (var name in names)
        {
            await m.Connection.ExecuteAsync(m.Transaction, "UPDATE staff_users SET security_stamp = @s WHERE username = @u", m.CancellationToken,
                ("s", Guid.NewGuid().ToString("N")), ("u", name)).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Wrong-PIN throttles kept in the store so every node sees them and a restart forgets nothing
    /// (one row per ticket, per delegate); and each delegate's PIN generation, bumped when the
    /// secretariat reissues a PIN, with the expiry of the invitation code issued with it.
    /// </summary>
    private static Task V10DelegatePins(MigrationContext m) => m.SqlAsync("""
        CREATE TABLE pin_throttle (
            key TEXT NOT NULL PRIMARY KEY,
            attempts INTEGER NOT NULL,
            failures INTEGER NOT NULL,
            next_allowed_utc {ts} NOT NULL,
            updated_utc {ts} NOT NULL
        );
        CREATE INDEX ix_pin_throttle_updated ON pin_throttle(updated_utc);
        CREATE TABLE delegate_pins (
            meeting_id TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
            delegate_id TEXT NOT NULL,
            generation INTEGER NOT NULL,
            invite_expires_utc {ts} NOT NULL,
            reissued_by TEXT NOT NULL,
            reissued_utc {ts} NOT NULL,
            PRIMARY KEY (meeting_id, delegate_id)
        );
        """);

    /// <summary>
    /// Room agents (only a SHA-256 of each key and its first characters are kept), the devices each
    /// reports, and each device's last state.
    /// </summary>
    private static Task V11RoomAgents(MigrationContext m) => m.SqlAsync("""
        CREATE TABLE room_agents (
            id TEXT NOT NULL PRIMARY KEY,
            site_code TEXT NOT NULL REFERENCES sites(code),
            name TEXT NOT NULL,
            key_hash TEXT NOT NULL UNIQUE,
            key_prefix TEXT NOT NULL,
            created_utc {ts} NOT NULL,
            created_by TEXT NOT NULL,
            revoked_utc {ts} NULL,
            revoked_by TEXT NULL,
            last_seen_utc {ts} NULL
        );
        CREATE INDEX ix_room_agents_site ON room_agents(site_code);
        CREATE TABLE room_devices (
            agent_id TEXT NOT NULL REFERENCES room_agents(id) ON DELETE CASCADE,
            device_id TEXT NOT NULL,
            site_code TEXT NOT NULL REFERENCES sites(code),
            name TEXT NOT NULL,
            kind TEXT NOT NULL,
            driver TEXT NOT NULL,
            address TEXT NOT NULL,
            updated_utc {ts} NOT NULL,
            PRIMARY KEY (agent_id, device_id)
        );
        CREATE INDEX ix_room_devices_site ON room_devices(site_code);
        CREATE TABLE room_device_states (
            agent_id TEXT NOT NULL,
            device_id TEXT NOT NULL,
            body TEXT NOT NULL,
            observed_utc {ts} NOT NULL,
            PRIMARY KEY (agent_id, device_id),
            FOREIGN KEY (agent_id, device_id) REFERENCES room_devices(agent_id, device_id) ON DELETE CASCADE
        );
        """);

    /// <summary>
    /// The room key becomes a ring: at most one current key (<c>is_current</c> = 1, unique; retired
    /// keys hold NULL), retired keys keep their retirement time. Each meeting records the key its
    /// PINs and invitations were derived with; meetings that exist already keep the one key there was.
    /// </summary>
    private static async Task V12RoomKeyRing(MigrationContext m)
    {
        await m.SqlAsync("""
            ALTER TABLE room_keys ADD COLUMN is_current INTEGER NULL;
            ALTER TABLE room_keys ADD COLUMN retired_utc {ts} NULL;
            ALTER TABLE room_keys ADD COLUMN retired_by TEXT NULL;
            UPDATE room_keys SET is_current = 1;
            CREATE UNIQUE INDEX ux_room_keys_current ON room_keys(is_current);
            CREATE TABLE meeting_room_keys (
                meeting_id TEXT NOT NULL PRIMARY KEY REFERENCES meetings(id) ON DELETE CASCADE,
                key_name TEXT NOT NULL REFERENCES room_keys(name),
                pinned_utc {ts} NOT NULL
            );
            CREATE INDEX ix_meeting_room_keys_key ON meeting_room_keys(key_name);
            """);
        await m.Connection.ExecuteAsync(m.Transaction,
            "INSERT INTO meeting_room_keys (meeting_id, key_name, pinned_utc) SELECT id, 'room-signing', @now FROM meetings WHERE EXISTS (SELECT 1 FROM room_keys WHERE name = 'room-signing')",
            m.CancellationToken, ("now", m.Database.ToDb(DateTimeOffset.UtcNow))).ConfigureAwait(false);
    }

    /// <summary>
    /// What the relay conductor must not forget across a restart or a failover: the endpoints a
    /// technician hung up and holds out of a meeting until a redial, and each endpoint's latest test
    /// call (readiness counts it for a few hours, whichever node ran it).
    /// </summary>
    private static Task V14CallHoldsAndTestCalls(MigrationContext m) => m.SqlAsync("""
        CREATE TABLE call_holds (
            meeting_id TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
            endpoint_id TEXT NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
            held_utc {ts} NOT NULL,
            held_by TEXT NOT NULL,
            PRIMARY KEY (meeting_id, endpoint_id)
        );
        CREATE TABLE test_call_results (
            endpoint_id TEXT NOT NULL PRIMARY KEY REFERENCES endpoints(id) ON DELETE CASCADE,
            body TEXT NOT NULL,
            ended_utc {ts} NOT NULL
        );
        """);

    /// <summary>
    /// Recording and open discussion are set per meeting by the secretariat beside the meeting's
    /// document (a NULL recording switch means the default for its kind); each recording is a row
    /// whose file lives under <c>Recording:Directory</c>.
    /// </summary>
    private static Task V18Recordings(MigrationContext m) => m.SqlAsync("""
        CREATE TABLE meeting_media_settings (
            meeting_id TEXT NOT NULL PRIMARY KEY REFERENCES meetings(id) ON DELETE CASCADE,
            recording_enabled INTEGER NULL,
            open_discussion INTEGER NOT NULL DEFAULT 0,
            updated_utc {ts} NOT NULL,
            updated_by TEXT NOT NULL
        );
        CREATE TABLE recordings (
            id TEXT NOT NULL PRIMARY KEY,
            meeting_id TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
            status TEXT NOT NULL,
            started_utc {ts} NOT NULL,
            ended_utc {ts} NULL,
            file_name TEXT NULL,
            size_bytes BIGINT NULL,
            duration_ms BIGINT NULL,
            segments INTEGER NOT NULL DEFAULT 0,
            stop_reason TEXT NULL
        );
        CREATE INDEX ix_recordings_meeting ON recordings(meeting_id, started_utc);
        CREATE INDEX ix_recordings_ended ON recordings(ended_utc);
        """);

    private static async Task V19ClusterRoles(MigrationContext m)
    {
        // One row per one-per-cluster job; the holder renews until_ticks (UTC ticks), another node
        // takes the row once it is in the past. epoch grows at each change of hands.
        await m.SqlAsync("""
            CREATE TABLE cluster_roles (
                role TEXT NOT NULL PRIMARY KEY,
                holder TEXT NOT NULL,
                epoch BIGINT NOT NULL,
                until_ticks BIGINT NOT NULL,
                acquired_utc {ts} NOT NULL
            );
            CREATE UNIQUE INDEX ux_polls_one_open ON polls(meeting_id) WHERE status = 'Open';
            CREATE UNIQUE INDEX ux_speak_requests_one_active ON speak_requests(meeting_id, delegate_id) WHERE status IN ('Waiting', 'Granted');
            """);
    }

    /// <summary>
    /// One row per digest user the registrar holds a binding for (its account's), written at each
    /// REGISTER and removed at an un-REGISTER; rows past <c>expires_utc</c> mean nothing and are
    /// swept when a registrar starts.
    /// </summary>
    private static Task V20SipRegistrations(MigrationContext m) => m.SqlAsync("""
        CREATE TABLE sip_registrations (
            username TEXT NOT NULL PRIMARY KEY,
            address_of_record TEXT NOT NULL,
            contact TEXT NOT NULL,
            source TEXT NOT NULL,
            expires_utc {ts} NOT NULL,
            registered_utc {ts} NOT NULL
        );
        """);
}
