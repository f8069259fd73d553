using System.Data.Common;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Conferencing.Server.Common;
using Conferencing.Server.Sites;
using Conferencing.Server.Store;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.Relaying;

/// <summary>
/// A relay running as its own process on a district or province host, which the server controls
/// over its HTTP API. It serves the subtree of its site: every participating site below it (down to
/// the next relay) is dialed from it. Secrets are held only in protected form.
/// </summary>
/// <param name="Id">The record's id.</param>
/// <param name="Name">A short name for logs and screens (letters, digits, '.', '_', '-').</param>
/// <param name="SiteCode">The province or district the relay serves.</param>
/// <param name="ControlUrl">Base address of its HTTP API, with a trailing slash.</param>
/// <param name="ProtectedApiKey">The shared key (Bearer), protected.</param>
/// <param name="SipAddress">Where its SIP listens, host:port: a child relay dials its parent there.</param>
/// <param name="SipUser">The digest user the relay calls its parent with (its <c>--sip-user</c>).</param>
/// <param name="ProtectedSipPassword">That user's password (its <c>--sip-password</c>), protected.</param>
public sealed record RegisteredRelay(
    Guid Id,
    string Name,
    string SiteCode,
    string ControlUrl,
    string ProtectedApiKey,
    string SipAddress,
    string SipUser,
    string ProtectedSipPassword,
    DateTimeOffset CreatedUtc,
    DateTimeOffset UpdatedUtc);

/// <summary>What an administrator sets on a relay. Null secrets keep the stored ones on an update.</summary>
public sealed record RelayInput(string? Name, string? SiteCode, string? ControlUrl, string? ApiKey, string? SipAddress, string? SipUser, string? SipPassword);

/// <summary>Registered relays in the store (schema v7, <c>relay_nodes</c>); every change is audited.</summary>
public sealed partial class RegisteredRelayStore(Database database, AuditLog audit, TimeProvider time, IDataProtectionProvider protection, IOptions<RelayingOptions> options)
{
    /// <summary>The shortest shared key accepted, as the relay itself requires.</summary>
    public const int MinApiKeyLength = 16;

    private const string Columns = "id, name, site_code, control_url, api_key_secret, sip_address, sip_user, sip_password_secret, created_utc, updated_utc";

    private readonly IDataProtector _protector = protection.CreateProtector("Conferencing.Relays.Secrets.v1");

    /// <summary>Raised after a relay was created, changed or deleted, so connections follow at once.</summary>
    public event Action? Changed;

    public async Task<IReadOnlyList<RegisteredRelay>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QueryAsync(null, $"SELECT {Columns} FROM relay_nodes ORDER BY name", Read, cancellationToken).ConfigureAwait(false);
    }

    public async Task<RegisteredRelay?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync(null, $"SELECT {Columns} FROM relay_nodes WHERE id = @id", Read, cancellationToken, ("id", id.ToString())).ConfigureAwait(false);
        return rows.FirstOrDefault();
    }

    /// <summary>The clear shared key, for the relay connection only; never for the API.</summary>
    public string RevealApiKey(RegisteredRelay relay)
    {
        ArgumentNullException.ThrowIfNull(relay);
        return _protector.Unprotect(relay.ProtectedApiKey);
    }

    /// <summary>The clear SIP password, for the parent relay's dial-in list only.</summary>
    public string RevealSipPassword(RegisteredRelay relay)
    {
        ArgumentNullException.ThrowIfNull(relay);
        return _protector.Unprotect(relay.ProtectedSipPassword);
    }

    public async Task<RegisteredRelay> CreateAsync(RelayInput input, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var now = time.GetUtcNow();
        var relay = Apply(new RegisteredRelay(Guid.NewGuid(), "", "", "", "", "", "", "", now, now), input, creating: true);
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await CheckAsync(connection, transaction, relay, cancellationToken).ConfigureAwait(false);
            await connection.ExecuteAsync(transaction,
                $"INSERT INTO relay_nodes ({Columns}) VALUES (@id, @name, @site, @url, @key, @sip, @user, @password, @created, @updated)",
                cancellationToken, Parameters(relay)).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "relay.created", "relay", relay.Id.ToString(), $"{relay.Name} serves {relay.SiteCode} at {relay.ControlUrl}", cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        Changed?.Invoke();
        return relay;
    }

    public async Task<RegisteredRelay> UpdateAsync(Guid id, RelayInput input, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var relay = await database.InTransactionAsync(async (connection, transaction) =>
        {
            var rows = await connection.QueryAsync(transaction, $"SELECT {Columns} FROM relay_nodes WHERE id = @id", Read, cancellationToken, ("id", id.ToString())).ConfigureAwait(false);
            var existing = rows.FirstOrDefault() ?? throw DomainException.NotFound("relay", id.ToString());
            var updated = Apply(existing, input, creating: false) with { UpdatedUtc = time.GetUtcNow() };
            await CheckAsync(connection, transaction, updated, cancellationToken).ConfigureAwait(false);
            await connection.ExecuteAsync(transaction,
                """
                UPDATE relay_nodes SET name = @name, site_code = @site, control_url = @url, api_key_secret = @key, sip_address = @sip,
                    sip_user = @user, sip_password_secret = @password, updated_utc = @updated
                WHERE id = @id
                """,
                cancellationToken, Parameters(updated)).ConfigureAwait(false);
            var what = new List<string>();
            what.AddRange(new (bool Changed, string Text)[]
            {
                (existing.SiteCode != updated.SiteCode, $"site {existing.SiteCode} → {updated.SiteCode}"),
                (existing.ControlUrl != updated.ControlUrl, $"control {updated.ControlUrl}"),
                (existing.SipAddress != updated.SipAddress, $"SIP {updated.SipAddress}"),
                (existing.SipUser != updated.SipUser, $"SIP user {updated.SipUser}"),
                (input.ApiKey is not null, "new key"),
                (input.SipPassword is not null, "new SIP password"),
            }.Where(c => c.Changed).Select(c => c.Text));
            await audit.WriteAsync(connection, transaction, actor, "relay.updated", "relay", id.ToString(),
                $"{updated.Name}: {(what.Count == 0 ? "no change" : string.Join("; ", what))}", cancellationToken).ConfigureAwait(false);
            return updated;
        }, cancellationToken).ConfigureAwait(false);
        Changed?.Invoke();
        return relay;
    }

    public async Task DeleteAsync(Guid id, string actor, CancellationToken cancellationToken)
    {
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            var name = await connection.ScalarAsync(transaction, "SELECT name FROM relay_nodes WHERE id = @id", cancellationToken, ("id", id.ToString())).ConfigureAwait(false)
                ?? throw DomainException.NotFound("relay", id.ToString());
            await connection.ExecuteAsync(transaction, "DELETE FROM relay_nodes WHERE id = @id", cancellationToken, ("id", id.ToString())).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "relay.deleted", "relay", id.ToString(), (string)name, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        Changed?.Invoke();
    }

    /// <summary>Parses "host:port" (IPv4, [IPv6] or a DNS name).</summary>
    public static bool TryParseSipAddress(string? text, out string host, out int port)
    {
        host = "";
        port = 0;
        if (string.IsNullOrWhiteSpace(text) || text.Length > 255)
        {
            return false;
        }

        if (IPEndPoint.TryParse(text, out var endPoint) && text.Contains(':', StringComparison.Ordinal) && endPoint.Port > 0)
        {
            host = endPoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{endPoint.Address}]" : endPoint.Address.ToString();
            port = endPoint.Port;
            return true;
        }

        var match = HostPortPattern().Match(text);
        if (!match.Success || !int.TryParse(match.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            return false;
        }

        host = match.Groups[1].Value;
        return true;
    }

    private RegisteredRelay Apply(RegisteredRelay relay, RelayInput input, bool creating)
    {
        if (creating || input.Name is not null)
        {
            if (string.IsNullOrWhiteSpace(input.Name) || !NamePattern().IsMatch(input.Name.Trim()))
            {
                throw DomainException.Invalid("name", "A relay needs a name of 1 to 64 letters, digits, '.', '_' or '-' (e.g. huyen-doan-hung).");
            }

            relay = relay with { Name = input.Name.Trim() };
        }

        if (creating || input.SiteCode is not null)
        {
            if (string.IsNullOrWhiteSpace(input.SiteCode))
            {
                throw DomainException.Invalid("siteCode", "A relay needs the code of the province or district it serves.");
            }

            relay = relay with { SiteCode = input.SiteCode.Trim() };
        }

        if (creating || input.ControlUrl is not null)
        {
            if (!Uri.TryCreate(input.ControlUrl?.Trim(), UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https")
                || !string.IsNullOrEmpty(url.Query) || !string.IsNullOrEmpty(url.Fragment) || !string.IsNullOrEmpty(url.UserInfo))
            {
                throw DomainException.Invalid("controlUrl", "The control URL is the relay's HTTP API address, e.g. http://10.0.0.2:8090/ (http or https, no query).");
            }

            var text = url.GetLeftPart(UriPartial.Path);
            relay = relay with { ControlUrl = text.EndsWith('/') ? text : text + "/" };
        }

        if (creating || input.ApiKey is not null)
        {
            if (input.ApiKey is null || input.ApiKey.Length is < MinApiKeyLength or > 256 || input.ApiKey.Any(char.IsControl))
            {
                throw DomainException.Invalid("apiKey", $"The shared key is the relay's --key: {MinApiKeyLength} to 256 printable characters.");
            }

            relay = relay with { ProtectedApiKey = _protector.Protect(input.ApiKey) };
        }

        if (creating || input.SipAddress is not null)
        {
            if (!TryParseSipAddress(input.SipAddress?.Trim(), out var host, out var port))
            {
                throw DomainException.Invalid("sipAddress", "The SIP address is where the relay's SIP listens, host:port (e.g. 10.0.0.2:5070).");
            }

            relay = relay with { SipAddress = string.Create(CultureInfo.InvariantCulture, $"{host}:{port}") };
        }

        if (creating || input.SipUser is not null)
        {
            if (string.IsNullOrWhiteSpace(input.SipUser) || !NamePattern().IsMatch(input.SipUser.Trim()))
            {
                throw DomainException.Invalid("sipUser", "The SIP user is the relay's --sip-user: 1 to 64 letters, digits, '.', '_' or '-'.");
            }

            if (string.Equals(input.SipUser.Trim(), options.Value.CentralUser, StringComparison.Ordinal))
            {
                throw DomainException.Invalid("sipUser", $"'{options.Value.CentralUser}' is the central MCU's dial-in account.");
            }

            relay = relay with { SipUser = input.SipUser.Trim() };
        }

        if (creating || input.SipPassword is not null)
        {
            if (input.SipPassword is null || input.SipPassword.Length is < 8 or > 128)
            {
                throw DomainException.Invalid("sipPassword", "The SIP password is the relay's --sip-password: 8 to 128 characters.");
            }

            relay = relay with { ProtectedSipPassword = _protector.Protect(input.SipPassword) };
        }

        return relay;
    }

    private static async Task CheckAsync(DbConnection connection, DbTransaction transaction, RegisteredRelay relay, CancellationToken cancellationToken)
    {
        var level = await connection.ScalarAsync(transaction, "SELECT level FROM sites WHERE code = @c", cancellationToken, ("c", relay.SiteCode)).ConfigureAwait(false);
        if (level is null)
        {
            throw DomainException.Invalid("siteCode", $"No site '{relay.SiteCode}' exists.");
        }

        if ((string)level is not (nameof(SiteLevel.Province) or nameof(SiteLevel.District)))
        {
            throw DomainException.Invalid("siteCode", $"A relay serves a province or a district; '{relay.SiteCode}' is a {((string)level).ToLowerInvariant()}.");
        }

        foreach (var (column, value, field, what) in new[] { ("name", relay.Name, "name", "name"), ("site_code", relay.SiteCode, "siteCode", "site"), ("sip_user", relay.SipUser, "sipUser", "SIP user") })
        {
            var other = await connection.ScalarAsync(transaction, $"SELECT name FROM relay_nodes WHERE {column} = @v AND id <> @id", cancellationToken,
                ("v", value), ("id", relay.Id.ToString())).ConfigureAwait(false);
            if (other is not null)
            {
                throw new DomainException(DomainErrorKind.Conflict, "relay.duplicate", $"Relay '{other}' already has the {what} '{value}'.", field);
            }
        }

        // Dial-in is named after the digest user: a relay and a room system must not share one.
        var endpoint = await connection.ScalarAsync(transaction, "SELECT sip_uri FROM endpoints WHERE digest_username = @u", cancellationToken, ("u", relay.SipUser)).ConfigureAwait(false);
        if (endpoint is not null)
        {
            throw new DomainException(DomainErrorKind.Conflict, "relay.duplicate", $"The endpoint {endpoint} already uses the digest user '{relay.SipUser}'.", "sipUser");
        }
    }

    private (string, object?)[] Parameters(RegisteredRelay r) =>
    [
        ("id", r.Id.ToString()), ("name", r.Name), ("site", r.SiteCode), ("url", r.ControlUrl), ("key", r.ProtectedApiKey), ("sip", r.SipAddress),
        ("user", r.SipUser), ("password", r.ProtectedSipPassword), ("created", database.ToDb(r.CreatedUtc)), ("updated", database.ToDb(r.UpdatedUtc)),
    ];

    private RegisteredRelay Read(DbDataReader r) => new(
        Guid.Parse(r.GetString(0)), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6), r.GetString(7),
        database.ReadTime(r, 8), database.ReadTime(r, 9));

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^([A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*):([0-9]{1,5})$")]
    private static partial Regex HostPortPattern();
}
