using System.Data.Common;
using Conferencing.Server.Common;
using Conferencing.Server.Store;
using Microsoft.AspNetCore.DataProtection;

namespace Conferencing.Server.Endpoints;

/// <summary>What a caller may set on an endpoint. Null credentials keep the stored ones.</summary>
public sealed record EndpointInput(
    string? SiteCode,
    string? SipUri,
    string? DisplayName,
    string? Model,
    string? Address,
    int? ExpectedBitrateKbps,
    string? DigestUsername,
    string? DigestPassword,
    bool RemoveCredentials = false);

/// <summary>Endpoints in the store; digest passwords are protected with ASP.NET Core Data Protection.</summary>
public sealed class EndpointStore(Database database, AuditLog audit, TimeProvider time, IDataProtectionProvider protection)
{
    private const string Columns = "id, site_code, sip_uri, display_name, model, address, expected_bitrate_kbps, digest_username, digest_secret, created_utc, updated_utc";

    private readonly IDataProtector _protector = protection.CreateProtector("Conferencing.Endpoints.DigestPassword.v1");

    public async Task<IReadOnlyList<SipEndpoint>> ListAsync(string? siteCode, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QueryAsync(null,
            $"SELECT {Columns} FROM endpoints WHERE (@site IS NULL OR site_code = @site) ORDER BY site_code, sip_uri",
            Read, cancellationToken, ("site", siteCode)).ConfigureAwait(false);
    }

    public async Task<SipEndpoint?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync(null, $"SELECT {Columns} FROM endpoints WHERE id = @id", Read, cancellationToken, ("id", id.ToString())).ConfigureAwait(false);
        return rows.FirstOrDefault();
    }

    /// <summary>The endpoint that authenticates with a digest user name, or null.</summary>
    public async Task<SipEndpoint?> FindByDigestUsernameAsync(string username, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync(null, $"SELECT {Columns} FROM endpoints WHERE digest_username = @u", Read, cancellationToken, ("u", username)).ConfigureAwait(false);
        return rows.FirstOrDefault();
    }

    /// <summary>The clear digest password, for the SIP layer only; never for the API.</summary>
    public string? RevealPassword(SipEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return endpoint.ProtectedDigestPassword is { } secret ? _protector.Unprotect(secret) : null;
    }

    /// <summary>Raised after an endpoint is created and committed (alarms watch for one added during a meeting).</summary>
    public event Action<SipEndpoint>? Created;

    public async Task<SipEndpoint> CreateAsync(EndpointInput input, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var now = time.GetUtcNow();
        var endpoint = Apply(new SipEndpoint(Guid.NewGuid(), "", "", "", null, null, SipEndpoint.DefaultBitrateKbps, null, null, now, now), input, creating: true);
        var created = await database.InTransactionAsync(async (connection, transaction) =>
        {
            await CheckAsync(connection, transaction, endpoint, cancellationToken).ConfigureAwait(false);
            await connection.ExecuteAsync(transaction,
                $"INSERT INTO endpoints ({Columns}) VALUES (@id, @site, @uri, @name, @model, @address, @kbps, @user, @secret, @created, @updated)",
                cancellationToken, Parameters(endpoint)).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "endpoint.created", "endpoint", endpoint.Id.ToString(), endpoint.SipUri, cancellationToken).ConfigureAwait(false);
            return endpoint;
        }, cancellationToken).ConfigureAwait(false);
        Created?.Invoke(created);
        return created;
    }

    public Task<SipEndpoint> UpdateAsync(Guid id, EndpointInput input, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        return database.InTransactionAsync(async (connection, transaction) =>
        {
            var rows = await connection.QueryAsync(transaction, $"SELECT {Columns} FROM endpoints WHERE id = @id", Read, cancellationToken, ("id", id.ToString())).ConfigureAwait(false);
            var existing = rows.FirstOrDefault() ?? throw DomainException.NotFound("endpoint", id.ToString());
            var endpoint = Apply(existing, input, creating: false) with { UpdatedUtc = time.GetUtcNow() };
            await CheckAsync(connection, transaction, endpoint, cancellationToken).ConfigureAwait(false);
            await connection.ExecuteAsync(transaction,
                """
                UPDATE endpoints SET site_code = @site, sip_uri = @uri, display_name = @name, model = @model, address = @address,
                    expected_bitrate_kbps = @kbps, digest_username = @user, digest_secret = @secret, updated_utc = @updated
                WHERE id = @id
                """,
                cancellationToken, Parameters(endpoint)).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "endpoint.updated", "endpoint", id.ToString(), endpoint.SipUri, cancellationToken).ConfigureAwait(false);
            return endpoint;
        }, cancellationToken);
    }

    public Task DeleteAsync(Guid id, string actor, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            var uri = await connection.ScalarAsync(transaction, "SELECT sip_uri FROM endpoints WHERE id = @id", cancellationToken, ("id", id.ToString())).ConfigureAwait(false)
                ?? throw DomainException.NotFound("endpoint", id.ToString());
            await connection.ExecuteAsync(transaction, "DELETE FROM endpoints WHERE id = @id", cancellationToken, ("id", id.ToString())).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "endpoint.deleted", "endpoint", id.ToString(), (string)uri, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    private SipEndpoint Apply(SipEndpoint endpoint, EndpointInput input, bool creating)
    {
        if (creating || input.SiteCode is not null)
        {
            if (string.IsNullOrWhiteSpace(input.SiteCode))
            {
                throw DomainException.Invalid("siteCode", "An endpoint needs the code of its site.");
            }

            endpoint = endpoint with { SiteCode = input.SiteCode.Trim() };
        }

        if (creating || input.SipUri is not null)
        {
            EndpointRules.CheckSipUri(input.SipUri);
            endpoint = endpoint with { SipUri = input.SipUri!.Trim() };
        }

        if (creating || input.DisplayName is not null)
        {
            if (string.IsNullOrWhiteSpace(input.DisplayName) || input.DisplayName.Length > 200)
            {
                throw DomainException.Invalid("displayName", "An endpoint needs a display name of 1 to 200 characters.");
            }

            endpoint = endpoint with { DisplayName = input.DisplayName.Trim() };
        }

        if (input.Model is { Length: > 200 })
        {
            throw DomainException.Invalid("model", "The model is longer than 200 characters.");
        }

        if (input.Address is { Length: > 500 })
        {
            throw DomainException.Invalid("address", "The address is longer than 500 characters.");
        }

        endpoint = endpoint with
        {
            Model = input.Model is null ? endpoint.Model : NullIfBlank(input.Model),
            Address = input.Address is null ? endpoint.Address : NullIfBlank(input.Address),
        };

        if (input.ExpectedBitrateKbps is { } kbps)
        {
            if (kbps is < SipEndpoint.MinBitrateKbps or > SipEndpoint.MaxBitrateKbps)
            {
                throw DomainException.Invalid("expectedBitrateKbps", $"The expected bitrate must be between {SipEndpoint.MinBitrateKbps} and {SipEndpoint.MaxBitrateKbps} kbit/s.");
            }

            endpoint = endpoint with { ExpectedBitrateKbps = kbps };
        }

        if (input.RemoveCredentials)
        {
            endpoint = endpoint with { DigestUsername = null, ProtectedDigestPassword = null };
        }
        else if (input.DigestUsername is not null || input.DigestPassword is not null)
        {
            if (string.IsNullOrWhiteSpace(input.DigestUsername) || input.DigestUsername.Length > 128 || input.DigestUsername.Any(char.IsControl))
            {
                throw DomainException.Invalid("digestUsername", "Digest credentials need a user name of 1 to 128 printable characters.");
            }

            if (string.IsNullOrEmpty(input.DigestPassword) || input.DigestPassword.Length is < 8 or > 128)
            {
                throw DomainException.Invalid("digestPassword", "Digest credentials need a password of 8 to 128 characters.");
            }

            endpoint = endpoint with { DigestUsername = input.DigestUsername, ProtectedDigestPassword = _protector.Protect(input.DigestPassword) };
        }

        return endpoint;
    }

    private static async Task CheckAsync(DbConnection connection, DbTransaction transaction, SipEndpoint endpoint, CancellationToken cancellationToken)
    {
        if (await connection.ScalarAsync(transaction, "SELECT code FROM sites WHERE code = @c", cancellationToken, ("c", endpoint.SiteCode)).ConfigureAwait(false) is null)
        {
            throw DomainException.Invalid("siteCode", $"No site '{endpoint.SiteCode}' exists.");
        }

        var other = await connection.ScalarAsync(transaction, "SELECT id FROM endpoints WHERE sip_uri = @u AND id <> @id", cancellationToken,
            ("u", endpoint.SipUri), ("id", endpoint.Id.ToString())).ConfigureAwait(false);
        if (other is not null)
        {
            throw new DomainException(DomainErrorKind.Conflict, "endpoint.duplicate-uri", $"Another endpoint ({other}) already has the SIP URI {endpoint.SipUri}.", "sipUri");
        }

        if (endpoint.DigestUsername is not null)
        {
            var sameUser = await connection.ScalarAsync(transaction, "SELECT id FROM endpoints WHERE digest_username = @u AND id <> @id", cancellationToken,
                ("u", endpoint.DigestUsername), ("id", endpoint.Id.ToString())).ConfigureAwait(false);
            if (sameUser is not null)
            {
                throw new DomainException(DomainErrorKind.Conflict, "endpoint.duplicate-username", $"Another endpoint ({sameUser}) already uses the digest user name '{endpoint.DigestUsername}'.", "digestUsername");
            }
        }
    }

    private (string, object?)[] Parameters(SipEndpoint e) =>
    [
        ("id", e.Id.ToString()), ("site", e.SiteCode), ("uri", e.SipUri), ("name", e.DisplayName), ("model", e.Model), ("address", e.Address),
        ("kbps", e.ExpectedBitrateKbps), ("user", e.DigestUsername), ("secret", e.ProtectedDigestPassword),
        ("created", database.ToDb(e.CreatedUtc)), ("updated", database.ToDb(e.UpdatedUtc)),
    ];

    private SipEndpoint Read(DbDataReader r) => new(
        Guid.Parse(r.GetString(0)), r.GetString(1), r.GetString(2), r.GetString(3), r.GetNullableString(4), r.GetNullableString(5),
        Convert.ToInt32(r.GetValue(6), System.Globalization.CultureInfo.InvariantCulture), r.GetNullableString(7), r.GetNullableString(8),
        database.ReadTime(r, 9), database.ReadTime(r, 10));

    private static string? NullIfBlank(string value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
