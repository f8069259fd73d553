using System.Data.Common;
using System.Globalization;
using Conferencing.Server.Common;
using Conferencing.Server.Store;
using Microsoft.AspNetCore.Identity;

namespace Conferencing.Server.Accounts;

/// <summary>A staff account. The password is kept only as an ASP.NET Core Identity hash (PBKDF2).</summary>
public sealed record StaffUser(string Username, string DisplayName, string Role, string PasswordHash, bool Disabled, DateTimeOffset CreatedUtc);

/// <summary>Staff accounts in the store.</summary>
public sealed class StaffUserStore(Database database, AuditLog audit, TimeProvider time)
{
    public const int MinPasswordLength = 10;

    private readonly PasswordHasher<StaffUser> _hasher = new();

    public async Task<int> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return Convert.ToInt32(await connection.ScalarAsync(null, "SELECT COUNT(*) FROM staff_users", cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    public async Task<IReadOnlyList<StaffUser>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QueryAsync(null, "SELECT username, display_name, role, password_hash, disabled, created_utc FROM staff_users ORDER BY username", Read, cancellationToken).ConfigureAwait(false);
    }

    public async Task<StaffUser?> FindAsync(string username, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync(null, "SELECT username, display_name, role, password_hash, disabled, created_utc FROM staff_users WHERE username = @u", Read, cancellationToken,
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
            await SetPasswordAsync(user.Username, password, user.Username, cancellationToken).ConfigureAwait(false);
        }

        return result == PasswordVerificationResult.Failed || user.Disabled ? null : user;
    }

    public Task<StaffUser> CreateAsync(string username, string displayName, string role, string password, string actor, CancellationToken cancellationToken)
    {
        var name = Normalize(username);
        CheckUsername(name);
        CheckRole(role);
        CheckPassword(password);
        if (string.IsNullOrWhiteSpace(displayName) || displayName.Length > 200)
        {
            throw DomainException.Invalid("displayName", "A display name of 1 to 200 characters is needed.");
        }

        var user = new StaffUser(name, displayName.Trim(), role, "", false, time.GetUtcNow());
        user = user with { PasswordHash = _hasher.HashPassword(user, password) };
        return database.InTransactionAsync(async (connection, transaction) =>
        {
            if (await connection.ScalarAsync(transaction, "SELECT username FROM staff_users WHERE username = @u", cancellationToken, ("u", name)).ConfigureAwait(false) is not null)
            {
                throw new DomainException(DomainErrorKind.Conflict, "user.exists", $"A staff account '{name}' already exists.", "username");
            }

            await connection.ExecuteAsync(transaction,
                "INSERT INTO staff_users (username, display_name, role, password_hash, disabled, created_utc) VALUES (@u, @d, @r, @h, 0, @t)",
                cancellationToken, ("u", name), ("d", user.DisplayName), ("r", role), ("h", user.PasswordHash), ("t", database.ToDb(user.CreatedUtc))).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "user.created", "user", name, role, cancellationToken).ConfigureAwait(false);
            return user;
        }, cancellationToken);
    }

    public Task SetPasswordAsync(string username, string password, string actor, CancellationToken cancellationToken)
    {
        CheckPassword(password);
        var name = Normalize(username);
        return database.InTransactionAsync(async (connection, transaction) =>
        {
            var hash = _hasher.HashPassword(new StaffUser(name, "", "", "", false, default), password);
            var rows = await connection.ExecuteAsync(transaction, "UPDATE staff_users SET password_hash = @h WHERE username = @u", cancellationToken, ("h", hash), ("u", name)).ConfigureAwait(false);
            if (rows == 0)
            {
                throw DomainException.NotFound("user", name);
            }

            await audit.WriteAsync(connection, transaction, actor, "user.password-set", "user", name, "", cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    public Task<StaffUser> UpdateAsync(string username, string? displayName, string? role, bool? disabled, string actor, CancellationToken cancellationToken)
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

        return database.InTransactionAsync(async (connection, transaction) =>
        {
            var rows = await connection.QueryAsync(transaction, "SELECT username, display_name, role, password_hash, disabled, created_utc FROM staff_users WHERE username = @u", Read, cancellationToken, ("u", name)).ConfigureAwait(false);
            var user = rows.FirstOrDefault() ?? throw DomainException.NotFound("user", name);
            user = user with { DisplayName = displayName?.Trim() ?? user.DisplayName, Role = role ?? user.Role, Disabled = disabled ?? user.Disabled };
            if ((user.Role != StaffRoles.Admin || user.Disabled) && await IsLastActiveAdminAsync(connection, transaction, name, cancellationToken).ConfigureAwait(false))
            {
                throw new DomainException(DomainErrorKind.Conflict, "user.last-admin", "This is the last enabled administrator; make another one first.");
            }

            await connection.ExecuteAsync(transaction, "UPDATE staff_users SET display_name = @d, role = @r, disabled = @x WHERE username = @u", cancellationToken,
                ("d", user.DisplayName), ("r", user.Role), ("x", user.Disabled ? 1 : 0), ("u", name)).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "user.updated", "user", name, $"{user.Role}{(user.Disabled ? ", disabled" : "")}", cancellationToken).ConfigureAwait(false);
            return user;
        }, cancellationToken);
    }

    public static string Normalize(string username) => (username ?? string.Empty).Trim().ToLowerInvariant();

    private static async Task<bool> IsLastActiveAdminAsync(DbConnection connection, DbTransaction transaction, string username, CancellationToken cancellationToken)
    {
        var others = await connection.ScalarAsync(transaction, "SELECT COUNT(*) FROM staff_users WHERE role = 'Admin' AND disabled = 0 AND username <> @u", cancellationToken, ("u", username)).ConfigureAwait(false);
        return Convert.ToInt64(others, CultureInfo.InvariantCulture) == 0;
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
        Convert.ToInt64(r.GetValue(4), CultureInfo.InvariantCulture) != 0, database.ReadTime(r, 5));
}
