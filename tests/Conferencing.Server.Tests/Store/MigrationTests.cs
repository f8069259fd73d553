using System.Data.Common;
using Conferencing.Server.Meetings;
using Conferencing.Server.Store;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conferencing.Server.Tests.Store;

/// <summary>
/// A database populated at every earlier schema version is upgraded in place to the latest, and
/// everything written before is still there and still works.
/// </summary>
public abstract class MigrationTests(StoreProvider provider)
{
    private static readonly Guid MeetingId = Guid.Parse("6f1c2a0e-3a4b-4c5d-8e9f-0a1b2c3d4e5f");
    private static readonly DateTimeOffset Start = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(3), TimeSpan.Zero).AddHours(1);

    public static TheoryData<int> EarlierVersions()
    {
        // Every version a database can be at: none, and each released step below the latest
        // (numbers may have gaps while branches hold steps of their own).
        var data = new TheoryData<int> { 0 };
        foreach (var step in Migrations.All.Where(m => m.Version < Migrations.Latest))
        {
            data.Add(step.Version);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EarlierVersions))]
    public async Task APopulatedDatabaseUpgradesWithoutLoss(int version)
    {
        await using var test = await TestDatabase.CreateAsync(provider);
        await using (var old = await test.OpenMigratedAsync(version))
        {
            Assert.Equal(version, await new MigrationRunner(old, NullLogger<MigrationRunner>.Instance).CurrentVersionAsync(CancellationToken.None).DefaultTimeout());
            await PopulateAsync(old, version);
        }

        await using var database = await test.OpenMigratedAsync();
        Assert.Equal(Migrations.Latest, await new MigrationRunner(database, NullLogger<MigrationRunner>.Instance).CurrentVersionAsync(CancellationToken.None).DefaultTimeout());
        var node = new StoreServices(database, Directory.CreateTempSubdirectory("conferencing-keys"));

        if (version == 0)
        {
            Assert.Equal(0, (await node.Sites.LoadTreeAsync(CancellationToken.None).DefaultTimeout()).Count);
            return;
        }

        var tree = await node.Sites.LoadTreeAsync(CancellationToken.None).DefaultTimeout();
        Assert.Equal("Xã Pà Cò", tree.Get("PT-X-PC").Name);
        Assert.Equal("PT-X-PC", Assert.Single(await node.Sites.SearchAsync("pa co", 10, CancellationToken.None).DefaultTimeout()).Code);
        Assert.Equal("sip:paco@10.0.0.5", Assert.Single(await node.Endpoints.ListAsync("PT-X-PC", CancellationToken.None).DefaultTimeout()).SipUri);
        Assert.NotNull(await node.Users.VerifyAsync("vanphong", "old-password-123", CancellationToken.None).DefaultTimeout());
        // Version 9 gives every existing account a security stamp (cookies from before carry none and end).
        var vanphong = await node.Users.FindAsync("vanphong", CancellationToken.None).DefaultTimeout();
        Assert.Matches("^[0-9a-f]{32}$", vanphong!.SecurityStamp);
        Assert.Null(vanphong.ScopeSiteCode);

        var meeting = await node.Meetings.GetAsync(MeetingId, CancellationToken.None).DefaultTimeout();
        Assert.NotNull(meeting);
        Assert.Equal("Hội nghị cũ", meeting.Title);
        Assert.Equal(["PT", "PT-X-PC"], meeting.SiteCodes);
        Assert.Equal(Start, meeting.StartUtc);

        // The upgraded meeting still holds its endpoint: the conflict index came along.
        var clash = new MeetingDetails("Mới", null, MeetingKind.ProvinceHosted, "PT", Start, Start.AddHours(1), new SiteSelection([], ["PT-X-PC"]), [], []);
        var e = await Assert.ThrowsAsync<Conferencing.Server.Common.DomainException>(() => node.MeetingService.ScheduleAsync(clash, "t", CancellationToken.None)).DefaultTimeout();
        Assert.Equal("meeting.endpoint-conflict", e.Code);

        // And it can still be changed.
        var updated = await node.MeetingService.StartAsync(MeetingId, meeting.Version, "t", CancellationToken.None).DefaultTimeout();
        Assert.Equal(MeetingStatus.Live, updated.Status);

        // v5: the upgraded meeting takes documents, and a document written at v5 survives later steps.
        var documents = new Conferencing.Server.Documents.DocumentStore(database);
        await database.InTransactionAsync((c, t) => documents.InsertAsync(c, t, SampleDocument(Guid.NewGuid(), "Tài liệu mới"), CancellationToken.None), CancellationToken.None).DefaultTimeout();
        var listed = await documents.ListAsync(MeetingId, CancellationToken.None).DefaultTimeout();
        Assert.Contains(listed, d => d.Title == "Tài liệu mới" && d.Current.PageCount == 7);
        if (version >= 5)
        {
            Assert.Contains(listed, d => d.Title == "Tài liệu cũ" && d.Confidential);
        }

        // v12: the key made before the ring is the current one, and meetings from before keep deriving PINs from it.
        if (version is >= 5 and < 12)
        {
            await using var connection = await database.OpenAsync(CancellationToken.None);
            Assert.Equal(1L, Convert.ToInt64(await connection.ScalarAsync(null, "SELECT is_current FROM room_keys WHERE name = 'room-signing'", CancellationToken.None).DefaultTimeout(), System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal("room-signing", await connection.ScalarAsync(null, "SELECT key_name FROM meeting_room_keys WHERE meeting_id = @m", CancellationToken.None, ("m", MeetingId.ToString())).DefaultTimeout());
            // Only one key can be current.
            await Assert.ThrowsAnyAsync<DbException>(() => Exec(connection, "INSERT INTO room_keys (name, value, created_utc, is_current) VALUES ('k2', 'v', @t, 1)", ("t", database.ToDb(DateTimeOffset.UtcNow)))).DefaultTimeout();
        }

        // The upgraded meeting takes quality summaries (v6) and they reach the report.
        var quality = new Conferencing.Server.Reports.MeetingQualityStore(database, TimeProvider.System);
        await quality.UpsertAsync(new Conferencing.Server.Reports.MeetingSiteQuality(MeetingId, "PT-X-PC", 600, 600, 0.5, 12, null, null), CancellationToken.None).DefaultTimeout();
        Assert.Equal(0.5, Assert.Single(await quality.ListAsync(MeetingId, CancellationToken.None).DefaultTimeout()).LossPercent);

        // v14: the upgraded meeting takes a technician's hold on its endpoint, which a restart reads back; ending the meeting drops it.
        var holds = new Conferencing.Server.Relaying.CallHoldStore(database);
        var paco = Assert.Single(await node.Endpoints.ListAsync("PT-X-PC", CancellationToken.None).DefaultTimeout());
        await holds.HoldAsync(new Conferencing.Server.Relaying.CallHold(MeetingId, paco.Id, Start, "kythuat"), CancellationToken.None).DefaultTimeout();
        await holds.HoldAsync(new Conferencing.Server.Relaying.CallHold(MeetingId, paco.Id, Start.AddMinutes(1), "kythuat2"), CancellationToken.None).DefaultTimeout();
        Assert.Equal(new Conferencing.Server.Relaying.CallHold(MeetingId, paco.Id, Start.AddMinutes(1), "kythuat2"), Assert.Single(await holds.ListAsync(CancellationToken.None).DefaultTimeout()));
        await holds.ReleaseMeetingAsync(MeetingId, CancellationToken.None).DefaultTimeout();
        Assert.Empty(await holds.ListAsync(CancellationToken.None).DefaultTimeout());
        Assert.False(await holds.ReleaseAsync(MeetingId, paco.Id, CancellationToken.None).DefaultTimeout());

        // v14: an endpoint's latest test call is kept; an older one does not replace it.
        var tests = new Conferencing.Server.Monitoring.Readiness.TestCallResultStore(database);
        var measured = new Conferencing.Server.Monitoring.Readiness.TestCallMeasurement(true, null, null, 100, 100, 300, 300, 0.5, 0.25, 12, 40);
        var verdict = Conferencing.Server.Monitoring.Readiness.ReadinessRule.Judge(measured);
        await tests.SaveAsync(new(paco.Id, "PT-X-PC", "tinh", Start, Start.AddSeconds(30), "kythuat", measured, verdict), CancellationToken.None).DefaultTimeout();
        await tests.SaveAsync(new(paco.Id, "PT-X-PC", "tinh", Start.AddHours(-1), Start.AddHours(-1), "kythuat", measured, verdict), CancellationToken.None).DefaultTimeout();
        var kept = Assert.Single(await tests.ListAsync(CancellationToken.None).DefaultTimeout());
        Assert.Equal((Start.AddSeconds(30), verdict.Color, 0.25), (kept.EndedUtc, kept.Verdict.Color, kept.Measurement.LossOutPercent));
    }

    private static Conferencing.Server.Documents.MeetingDocument SampleDocument(Guid id, string title) => new(
        id, MeetingId, null, title, Confidential: title.EndsWith("cũ", StringComparison.Ordinal), 1, 1,
        [new Conferencing.Server.Documents.DocumentVersion(1, "tai-lieu.pdf", 1234, new string('a', 64), 7, "old", Start)], "old", Start, Start);

    [Fact]
    public async Task MigratingTwiceChangesNothing()
    {
        await using var test = await TestDatabase.CreateAsync(provider);
        await using var database = await test.OpenMigratedAsync();
        await PopulateAsync(database, Migrations.Latest);
        await new MigrationRunner(database, NullLogger<MigrationRunner>.Instance).MigrateAsync(CancellationToken.None).DefaultTimeout();
        var node = new StoreServices(database, Directory.CreateTempSubdirectory("conferencing-keys"));
        Assert.Equal(3, (await node.Sites.LoadTreeAsync(CancellationToken.None).DefaultTimeout()).Count);
        Assert.Single(await new Conferencing.Server.Documents.DocumentStore(database).ListAsync(MeetingId, CancellationToken.None).DefaultTimeout());
        var quality = await new Conferencing.Server.Reports.MeetingQualityStore(database, TimeProvider.System).ListAsync(MeetingId, CancellationToken.None).DefaultTimeout();
        Assert.Equal((1800, 1.25), (Assert.Single(quality).ConnectedSeconds, quality[0].LossPercent));
        Assert.Equal("kythuat", Assert.Single(await new Conferencing.Server.Relaying.CallHoldStore(database).ListAsync(CancellationToken.None).DefaultTimeout()).HeldBy);
    }

    /// <summary>The keys Orleans' ADO.NET clustering (ten, one optional) and reminder (seven) providers look up.</summary>
    private static readonly string[] OrleansQueryKeys =
    [
        "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey", "DeleteMembershipTableEntriesKey", "GatewaysQueryKey",
        "InsertMembershipKey", "InsertMembershipVersionKey", "MembershipReadAllKey", "MembershipReadRowKey",
        "UpdateIAmAlivetimeKey", "UpdateMembershipKey",
        "DeleteReminderRowKey", "DeleteReminderRowsKey", "ReadRangeRows1Key", "ReadRangeRows2Key",
        "ReadReminderRowKey", "ReadReminderRowsKey", "UpsertReminderRowKey",
    ];

    [Fact]
    public async Task ClusterStorageIsCreatedOnPostgreSqlAndIsARecordedNoOpOnSqlite()
    {
        await using var test = await TestDatabase.CreateAsync(provider);
        await using var database = await test.OpenMigratedAsync();
        await using var connection = await database.OpenAsync(CancellationToken.None);
        Assert.Equal("Orleans cluster membership and reminders",
            await connection.ScalarAsync(null, "SELECT name FROM schema_version WHERE version = 13", CancellationToken.None).DefaultTimeout());

        if (provider == StoreProvider.Sqlite)
        {
            Assert.Equal(0L, await connection.ScalarAsync(null, "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'orleans%'", CancellationToken.None).DefaultTimeout());
            return;
        }

        var tables = await connection.QueryAsync(null, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE 'orleans%'",
            r => r.GetString(0), CancellationToken.None).DefaultTimeout();
        Assert.Equal(["orleans_membership", "orleans_membership_versions", "orleans_reminders", "orleansquery"], tables.Order(StringComparer.Ordinal));
        var functions = await connection.QueryAsync(null, "SELECT proname FROM pg_proc WHERE proname LIKE 'orleans%'", r => r.GetString(0), CancellationToken.None).DefaultTimeout();
        Assert.Equal(["orleans_membership_insert", "orleans_membership_update"], functions.Order(StringComparer.Ordinal));
        // The providers' own start-up query, as they send it (unquoted, so PostgreSQL folds it to lower case).
        var keys = await connection.QueryAsync(null, "SELECT QueryKey, QueryText FROM OrleansQuery", r => r.GetString(0), CancellationToken.None).DefaultTimeout();
        Assert.Equal(OrleansQueryKeys.Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ADatabaseNewerThanTheBuildIsRefused()
    {
        await using var test = await TestDatabase.CreateAsync(provider);
        await using var database = await test.OpenMigratedAsync();
        await using (var connection = await database.OpenAsync(CancellationToken.None))
        {
            await Exec(connection, "INSERT INTO schema_version (version, name, applied_utc) VALUES (@v, 'future', @t)", ("v", Migrations.Latest + 1), ("t", database.ToDb(DateTimeOffset.UtcNow)));
        }

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => new MigrationRunner(database, NullLogger<MigrationRunner>.Instance).MigrateAsync(CancellationToken.None)).DefaultTimeout();
        Assert.Contains("newer than this build", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Writes data the way a build at <paramref name="version"/> would have: only the columns it had.</summary>
    private static async Task PopulateAsync(Database database, int version)
    {
        if (version == 0)
        {
            return;
        }

        await using var connection = await database.OpenAsync(CancellationToken.None);
        var now = database.ToDb(DateTimeOffset.UtcNow);
        var search = version >= 2 ? ", search_name" : "";
        (string Code, string Name, string? Parent, string Level, string Kind)[] sites =
        [
            ("PT", "Tỉnh Phú Thọ", null, "Province", "Province"),
            ("PT-H-LT", "Huyện Lâm Thao", "PT", "District", "District"),
            ("PT-X-PC", "Xã Pà Cò", "PT", "Commune", "Commune"),
        ];
        foreach (var s in sites)
        {
            await Exec(connection, $"INSERT INTO sites (code, name, parent_code, level, kind, created_utc, updated_utc{search}) VALUES (@c, @n, @p, @l, @k, @t, @t{(version >= 2 ? ", @s" : "")})",
                ("c", s.Code), ("n", s.Name), ("p", s.Parent), ("l", s.Level), ("k", s.Kind), ("t", now), ("s", Conferencing.Server.Common.VietnameseText.Fold(s.Name)));
        }

        await Exec(connection, "INSERT INTO endpoints (id, site_code, sip_uri, display_name, model, address, expected_bitrate_kbps, digest_username, digest_secret, created_utc, updated_utc) VALUES (@id, 'PT-X-PC', 'sip:paco@10.0.0.5', 'Phòng họp Pà Cò', NULL, NULL, 2048, NULL, NULL, @t, @t)",
            ("id", Guid.NewGuid().ToString()), ("t", now));

        var hash = new Microsoft.AspNetCore.Identity.PasswordHasher<object>().HashPassword(new object(), "old-password-123");
        // From v9 a build writes each account's security stamp itself (the v9 backfill only covers accounts from before).
        await Exec(connection, version >= 9
                ? "INSERT INTO staff_users (username, display_name, role, password_hash, disabled, created_utc, security_stamp) VALUES ('vanphong', 'Văn phòng', 'Secretariat', @h, 0, @t, @st)"
                : "INSERT INTO staff_users (username, display_name, role, password_hash, disabled, created_utc) VALUES ('vanphong', 'Văn phòng', 'Secretariat', @h, 0, @t)",
            ("h", hash), ("t", now), ("st", Guid.NewGuid().ToString("N")));

        var startText = Start.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        var endText = Start.AddHours(3).UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        var body = $$"""
            {"id":"{{MeetingId}}","title":"Hội nghị cũ","kind":"ProvinceHosted","status":"Scheduled","hostSiteCode":"PT",
             "startUtc":"{{startText}}","endUtc":"{{endText}}","selection":{"subtrees":[],"sites":["PT-X-PC"]},
             "siteCodes":["PT","PT-X-PC"],"delegates":[],"agenda":[],"rollCall":[],"createdBy":"old",
             "createdUtc":"{{startText}}","updatedUtc":"{{startText}}"}
            """;
        await Exec(connection, "INSERT INTO meetings (id, version, title, kind, status, host_site_code, start_utc, end_utc, body, created_utc, updated_utc) VALUES (@id, 1, 'Hội nghị cũ', 'ProvinceHosted', 'Scheduled', 'PT', @s, @e, @b, @t, @t)",
            ("id", MeetingId.ToString()), ("s", database.ToDb(Start)), ("e", database.ToDb(Start.AddHours(3))), ("b", body), ("t", now));
        if (version >= 2)
        {
            foreach (var code in new[] { "PT", "PT-X-PC" })
            {
                await Exec(connection, "INSERT INTO meeting_sites (meeting_id, site_code) VALUES (@m, @s)", ("m", MeetingId.ToString()), ("s", code));
            }
        }

        if (version >= 4)
        {
            await Exec(connection, "INSERT INTO alarms (id, kind, severity, endpoint_id, site_code, message, raised_utc) VALUES (@id, 'endpoint.offline', 'Major', NULL, 'PT-X-PC', 'old alarm', @t)",
                ("id", Guid.NewGuid().ToString()), ("t", now));
        }

        if (version is >= 5 and < 12)
        {
            // The one room key of before v12 (its value is only carried, never decrypted here).
            await Exec(connection, "INSERT INTO room_keys (name, value, created_utc) VALUES ('room-signing', 'protected-key', @t)", ("t", now));
        }

        if (version >= 5)
        {
            var documents = new Conferencing.Server.Documents.DocumentStore(database);
            await database.InTransactionAsync((c, t) => documents.InsertAsync(c, t, SampleDocument(Guid.NewGuid(), "Tài liệu cũ"), CancellationToken.None), CancellationToken.None).DefaultTimeout();
        }

        await PopulateQualityAsync(connection, database, version);
        if (version >= 14)
        {
            await Exec(connection, "INSERT INTO call_holds (meeting_id, endpoint_id, held_utc, held_by) SELECT @m, id, @t, 'kythuat' FROM endpoints WHERE site_code = 'PT-X-PC'",
                ("m", MeetingId.ToString()), ("t", now));
        }
        if (version >= 3)
        {
            await Exec(connection, "INSERT INTO audit_log (id, at_utc, actor, action, entity_type, entity_id, summary) VALUES (@id, @t, 'old', 'meeting.scheduled', 'meeting', @m, 'x')",
                ("id", Guid.NewGuid().ToString()), ("t", now), ("m", MeetingId.ToString()));
        }
    }

    private static async Task PopulateQualityAsync(DbConnection connection, Database database, int version)
    {
        if (version >= 6)
        {
            await Exec(connection, "INSERT INTO meeting_site_quality (meeting_id, site_code, connected_seconds, samples, loss_percent, jitter_ms, round_trip_ms, bitrate_kbps, updated_utc) VALUES (@m, 'PT-X-PC', 1800, 1800, 1.25, 20.5, NULL, NULL, @t)",
                ("m", MeetingId.ToString()), ("t", database.ToDb(DateTimeOffset.UtcNow)));
        }
    }

    private static async Task Exec(DbConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            command.Parameters.Add(p);
        }

        await command.ExecuteNonQueryAsync().DefaultTimeout();
    }
}

public sealed class SqliteMigrationTests() : MigrationTests(StoreProvider.Sqlite);

public sealed class PostgresMigrationTests() : MigrationTests(StoreProvider.PostgreSql);
