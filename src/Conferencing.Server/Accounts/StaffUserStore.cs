using System.Data.Common;
using System.Globalization;
using Conferencing.Server.Common;
using Conferencing.Server.Store;
using Microsoft.AspNetCore.Identity;

namespace Conferencing.Server.Accounts;

/// <summary>
/// A staff account. The password is kept only as an ASP.NET Core Identity hash (PBKDF2). The
/// security stamp is copied into the cookie at sign-in; changing it ends every session the account
/// has. <see cref="ScopeSiteCode"/> limits the account to one subtree of the site tree (null: the
/// whole province).
/// </summary>
public sealed record StaffUser(string Username, string DisplayName, string Role, string PasswordHash, bool Disabled, DateTimeOffset CreatedUtc)
{
    public string SecurityStamp { get; init; } = "";

    public string? ScopeSiteCode { get; init; }
}

/// <summary>Staff accounts in the store.</summary>
public sealed class StaffUserStore(Database database, AuditLog audit, TimeProvider time)
{
    /// <summary>The name the first administrator is shown by until renamed: Vietnamese, as the console is.</summary>
    public const string BootstrapDisplayName = "Quản trị hệ thống";

    public const int MinPasswordLength = 10;

    private const string Columns = "username, display_name, role, password_hash, disabled, created_utc, security_stamp, scope_site_code";

    private readonly PasswordHasher<StaffUser> _hasher = new();

    /// <summary>
    /// Raised after a change that ends the account's sessions is committed (its user name), so that
    /// this node drops what it cached about the account at once; other nodes see it when their cache
    /// entry ages out.
    /// </summary>
    public event Action<string>? SessionsRevoked;

    public static string NewStamp() => Guid.NewGuid().ToString("N");

    public async Task<int> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return Convert.ToInt32(await connection.ScalarAsync(null, "SELECT COUNT(*) FROM staff_users", cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    public async Task<IReadOnlyList<StaffUser>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QueryAsync(null, $"SELECT {Columns} FROM staff_users ORDER BY username", Read, cancellationToken).ConfigureAwait(false);
    }

    public async Task<StaffUser?> FindAsync(string username, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync(null, $"SELECT {Columns} FROM staff_users WHERE username = @u", Read, cancellationToken,
            ("u", Normalize(username))).ConfigureAwait(false);
        return rows.FirstOrDefault();
    }

    /// <summary>Checks a password; returns the user only when it matches and the account is enabled.</summary>
    public async Task<StaffUser?> VerifyAsync(string username, string password, CancellationToken cancellationToken)
    {
        var user = await FindAsync(username, cancellationToken).ConfigureAwait(false);
        if (user is null)
        {
            // Hash anyway so that a wrong user name costs the same time as a wrong password.
            _hasher.HashPassword(new StaffUser("", "", "", "", false, default), password);
            return null;
        }

        var result = _hasher.VerifyHashedPassword(user, user.PasswordHash, password);
        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            // Same password, stronger hash: not a reason to end the account's other sessions.
            await database.InTransactionAsync((connection, transaction) => connection.ExecuteAsync(transaction, "UPDATE staff_users SET password_hash = @h WHERE username = @u", cancellationToken,
                ("h", _hasher.HashPassword(user, password)), ("u", user.Username)), cancellationToken).ConfigureAwait(false);
        }

        return result == PasswordVerificationResult.Failed || user.Disabled ? null : user;
    }

    public Task<StaffUser> CreateAsync(string username, string displayName, string role, string password, string actor, CancellationToken cancellationToken) =>
        CreateAsync(username, displayName, role, password, null, actor, cancellationToken);

    public Task<StaffUser> CreateAsync(string username, string displayName, string role, string password, string? scopeSiteCode, string actor, CancellationToken cancellationToken)
    {
        var name = Normalize(username);
        CheckUsername(name);
        CheckRole(role);
        CheckPassword(password);
        if (string.IsNullOrWhiteSpace(displayName) || displayName.Length > 200)
        {
            throw DomainException.Invalid("displayName", "A display name of 1 to 200 characters is needed.");
        }

        var scope = string.IsNullOrWhiteSpace(scopeSiteCode) ? null : scopeSiteCode.Trim();
        CheckScopeFitsRole(role, scope);
        var user = new StaffUser(name, displayName.Trim(), role, "", false, time.GetUtcNow()) { SecurityStamp = NewStamp(), ScopeSiteCode = scope };
        user = user with { PasswordHash = _hasher.HashPassword(user, password) };
        return database.InTransactionAsync(async (connection, transaction) =>
        {
            if (await connection.ScalarAsync(transaction, "SELECT username FROM staff_users WHERE username = @u", cancellationToken, ("u", name)).ConfigureAwait(false) is not null)
            {
                throw new DomainException(DomainErrorKind.Conflict, "user.exists", $"A staff account '{name}' already exists.", "username");
            }

            await CheckScopeAsync(connection, transaction, scope, cancellationToken).ConfigureAwait(false);
            await connection.ExecuteAsync(transaction,
                "INSERT INTO staff_users (username, display_name, role, password_hash, disabled, created_utc, security_stamp, scope_site_code) VALUES (@u, @d, @r, @h, 0, @t, @s, @c)",
                cancellationToken, ("u", name), ("d", user.DisplayName), ("r", role), ("h", user.PasswordHash), ("t", database.ToDb(user.CreatedUtc)), ("s", user.SecurityStamp), ("c", scope)).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "user.created", "user", name, scope is null ? role : $"{role}, scope {scope}", cancellationToken).ConfigureAwait(false);
            return user;
        }, cancellationToken);
    }

    /// <summary>Sets a new password and ends every session the account has.</summary>
    public async Task SetPasswordAsync(string username, string password, string actor, CancellationToken cancellationToken)
    {
        CheckPassword(password);
        var name = Normalize(username);
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            var hash = _hasher.HashPassword(new StaffUser(name, "", "", "", false, default), password);
            var rows = await connection.ExecuteAsync(transaction, "UPDATE staff_users SET password_hash = @h, security_stamp = @s WHERE username = @u", cancellationToken,
                ("h", hash), ("s", NewStamp()), ("u", name)).ConfigureAwait(false);
            if (rows == 0)
            {
                throw DomainException.NotFound("user", name);
            }

            await audit.WriteAsync(connection, transaction, actor, "user.password-set", "user", name, "", cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        SessionsRevoked?.Invoke(name);
    }

    /// <summary>Ends every session of the account ("sign out everywhere") by giving it a new stamp.</summary>
    public async Task RevokeSessionsAsync(string username, string actor, CancellationToken cancellationToken)
    {
        var name = Normalize(username);
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            var rows = await connection.ExecuteAsync(transaction, "UPDATE staff_users SET security_stamp = @s WHERE username = @u", cancellationToken, ("s", NewStamp()), ("u", name)).ConfigureAwait(false);
            if (rows == 0)
            {
                throw DomainException.NotFound("user", name);
            }

            await audit.WriteAsync(connection, transaction, actor, "user.sessions-revoked", "user", name, "", cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        SessionsRevoked?.Invoke(name);
    }

    public Task<StaffUser> UpdateAsync(string username, string? displayName, string? role, bool? disabled, string actor, CancellationToken cancellationToken) =>
        UpdateAsync(username, displayName, role, disabled, null, actor, cancellationToken);

    /// <summary>
    /// Changes an account. A change of role, of scope, or of the disabled flag gives the account a
    /// new stamp, which ends its sessions: what a session may do was decided at sign-in.
    /// <paramref name="scopeSiteCode"/>: null leaves the scope, "" makes it the whole province.
    /// </summary>
    public async Task<StaffUser> UpdateAsync(string username, string? displayName, string? role, bool? disabled, string? scopeSiteCode, string actor, CancellationToken cancellationToken)
    {
        var name = Normalize(username);
        if (role is not null)
        {
            CheckRole(role);
        }

        if (displayName is { } d && (string.IsNullOrWhiteSpace(d) || d.Length > 200))
        {
            throw DomainException.Invalid("displayName", "A display name of 1 to 200 characters is needed.");
        }

        var revoked = false;
        var updated = await database.InTransactionAsync(async (connection, transaction) =>
        {
            var rows = await connection.QueryAsync(transaction, $"SELECT {Columns} FROM staff_users WHERE username = @u", Read, cancellationToken, ("u", name)).ConfigureAwait(false);
            var before = rows.FirstOrDefault() ?? throw DomainException.NotFound("user", name);
            var scope = scopeSiteCode is null ? before.ScopeSiteCode : string.IsNullOrWhiteSpace(scopeSiteCode) ? null : scopeSiteCode.Trim();
            if (scope != before.ScopeSiteCode)
            {
                await CheckScopeAsync(connection, transaction, scope, cancellationToken).ConfigureAwait(false);
            }

            var user = before with { DisplayName = displayName?.Trim() ?? before.DisplayName, Role = role ?? before.Role, Disabled = disabled ?? before.Disabled, ScopeSiteCode = scope };
            CheckScopeFitsRole(user.Role, user.ScopeSiteCode);
            revoked = user.Role != before.Role || user.Disabled != before.Disabled || user.ScopeSiteCode != before.ScopeSiteCode;
            if (revoked)
            {
                user = user with { SecurityStamp = NewStamp() };
            }

            if ((user.Role != StaffRoles.Admin || user.Disabled) && await IsLastActiveAdminAsync(connection, transaction, name, cancellationToken).ConfigureAwait(false))
            {
                throw new DomainException(DomainErrorKind.Conflict, "user.last-admin", "This is the last enabled administrator; make another one first.");
            }

            await connection.ExecuteAsync(transaction, "UPDATE staff_users SET display_name = @d, role = @r, disabled = @x, scope_site_code = @c, security_stamp = @s WHERE username = @u", cancellationToken,
                ("d", user.DisplayName), ("r", user.Role), ("x", user.Disabled ? 1 : 0), ("c", user.ScopeSiteCode), ("s", user.SecurityStamp), ("u", name)).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "user.updated", "user", name,
                $"{user.Role}{(user.Disabled ? ", disabled" : "")}{(user.ScopeSiteCode is { } c ? $", scope {c}" : "")}", cancellationToken).ConfigureAwait(false);
            return user;
        }, cancellationToken).ConfigureAwait(false);
        if (revoked)
        {
            SessionsRevoked?.Invoke(name);
        }

        return updated;
    }

    public static string Normalize(string username) => (username ?? string.Empty).Trim().ToLowerInvariant();

    private static async Task<bool> IsLastActiveAdminAsync(DbConnection connection, DbTransaction transaction, string username, CancellationToken cancellationToken)
    {
        var others = await connection.ScalarAsync(transaction, "SELECT COUNT(*) FROM staff_users WHERE role = 'Admin' AND disabled = 0 AND username <> @u", cancellationToken, ("u", username)).ConfigureAwait(false);
        return Convert.ToInt64(others, CultureInfo.InvariantCulture) == 0;
    }

    private static async Task CheckScopeAsync(DbConnection connection, DbTransaction transaction, string? scope, CancellationToken cancellationToken)
    {
        if (scope is not null && await connection.ScalarAsync(transaction, "SELECT code FROM sites WHERE code = @c", cancellationToken, ("c", scope)).ConfigureAwait(false) is null)
        {
            throw DomainException.Invalid("scopeSiteCode", $"No site '{scope}' to limit the account to.");
        }
    }

    /// <summary>Administrators manage accounts and the site tree of the whole province, so their scope is always all of it.</summary>
    private static void CheckScopeFitsRole(string role, string? scope)
    {
        if (scope is not null && role == StaffRoles.Admin)
        {
            throw DomainException.Invalid("scopeSiteCode", "An administrator's scope is the whole province; limit only secretariat and technician accounts.");
        }
    }

    private static void CheckUsername(string username)
    {
        if (username.Length is < 3 or > 64 || !username.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            throw DomainException.Invalid("username", "A user name is 3 to 64 letters, digits, '.', '_' or '-'.");
        }
    }

    private static void CheckRole(string role)
    {
        if (!StaffRoles.IsKnown(role))
        {
            throw DomainException.Invalid("role", $"Role must be one of {string.Join(", ", StaffRoles.All)}.");
        }
    }

    private static void CheckPassword(string password)
    {
        if (string.IsNullOrEmpty(password) || password.Length < MinPasswordLength || password.Length > 256)
        {
            throw DomainException.Invalid("password", $"A password needs {MinPasswordLength} to 256 characters.");
        }
    }

    private StaffUser Read(DbDataReader r) => new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3),
        Convert.ToInt64(r.GetValue(4), CultureInfo.InvariantCulture) != 0, database.ReadTime(r, 5))
    {
        // A row written by a version without stamps reads as "", which no cookie carries.
        SecurityStamp = r.GetNullableString(6) ?? "",
        ScopeSiteCode = r.GetNullableString(7),
    };
}
