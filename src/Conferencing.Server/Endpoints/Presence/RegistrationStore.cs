using System.Net;
using Conferencing.Server.Store;
using Conferencing.Sip;
using Conferencing.Sip.Transport;
using Conferencing.Sip.UserAgent;

namespace Conferencing.Server.Endpoints.Presence;

/// <summary>
/// The registrar's bindings in the store (migration 20), one per digest user, so that the node that
/// takes the registrar over (or the same node after a restart) knows where every room is before the
/// room's next refresh. Only bindings made by an authenticated user are kept: they are the rooms.
/// </summary>
public sealed class RegistrationStore(Database database)
{
    public async Task SaveAsync(SipRegistration binding, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(binding);
        if (binding.Username is not { } user)
        {
            return;
        }

        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(null,
            """
            INSERT INTO sip_registrations (username, address_of_record, contact, source, expires_utc, registered_utc) VALUES (@u, @a, @c, @s, @e, @r)
            ON CONFLICT (username) DO UPDATE SET address_of_record = excluded.address_of_record, contact = excluded.contact, source = excluded.source,
                expires_utc = excluded.expires_utc, registered_utc = excluded.registered_utc
            """,
            cancellationToken, ("u", user), ("a", binding.AddressOfRecord), ("c", binding.Contact.ToString()), ("s", binding.Source.ToString()),
            ("e", database.ToDb(binding.ExpiresUtc)), ("r", database.ToDb(DateTimeOffset.UtcNow))).ConfigureAwait(false);
    }

    public async Task RemoveAsync(string username, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(null, "DELETE FROM sip_registrations WHERE username = @u", cancellationToken, ("u", username)).ConfigureAwait(false);
    }

    /// <summary>Every binding still in force at <paramref name="now"/>; lapsed ones are deleted on the way.</summary>
    public async Task<IReadOnlyList<SipRegistration>> LoadAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(null, "DELETE FROM sip_registrations WHERE expires_utc <= @n", cancellationToken, ("n", database.ToDb(now))).ConfigureAwait(false);
        var rows = await connection.QueryAsync(null, "SELECT username, address_of_record, contact, source, expires_utc FROM sip_registrations ORDER BY username",
            r => (User: r.GetString(0), Aor: r.GetString(1), Contact: r.GetString(2), Source: r.GetString(3), Expires: database.ReadTime(r, 4)), cancellationToken).ConfigureAwait(false);
        var bindings = new List<SipRegistration>(rows.Count);
        foreach (var row in rows)
        {
            // A row this version cannot read is skipped: the room's next refresh writes it anew.
            if (SipUri.TryParse(row.Contact, out var contact, out _) && TryParseSource(row.Source, out var source))
            {
                bindings.Add(new SipRegistration(row.Aor, contact, source, row.Expires, row.User));
            }
        }

        return bindings;
    }

    /// <summary>Reads what <see cref="SipEndPoint.ToString"/> wrote ("UDP:192.0.2.7:5060", "TCP:[2001:db8::7]:5060").</summary>
    internal static bool TryParseSource(string text, out SipEndPoint source)
    {
        source = default;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !IPEndPoint.TryParse(text[(colon + 1)..], out var address))
        {
            return false;
        }

        SipProtocol? protocol = text[..colon] switch
        {
            "UDP" => SipProtocol.Udp,
            "TCP" => SipProtocol.Tcp,
            _ => null,
        };
        if (protocol is not { } known)
        {
            return false;
        }

        source = new SipEndPoint(known, address);
        return true;
    }
}
