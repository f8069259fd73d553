using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Claims;
using Conferencing.Server.Common;
using Conferencing.Server.Meetings;
using Conferencing.Server.Store;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.Room;

/// <summary>A signed-in delegate's device.</summary>
public sealed record DelegateSession(Guid Id, Guid MeetingId, Guid DelegateId, string Via, string Device, DateTimeOffset CreatedUtc, DateTimeOffset ExpiresUtc, DateTimeOffset? RevokedUtc);

/// <summary>What a scanned code opens: the meeting, who may confirm, and the ticket the page posts back.</summary>
/// <param name="Delegate">Set for a personal invitation: the only delegate it confirms.</param>
/// <param name="Ticket">The token the confirmation form posts: a fresh single-use ticket for a room code, the invitation itself for a personal one.</param>
public sealed record JoinOffer(Meeting Meeting, MeetingDelegate? Delegate, string Ticket, DateTimeOffset TicketExpiresUtc);

/// <summary>
/// The QR flow for delegates.
/// <para>
/// The room display shows a short-lived room code that rotates. Opening it (GET) spends nothing, so
/// link previewers and a whole room scanning in the same half minute are fine; each opening hands
/// that device its own single-use ticket, valid for minutes. The confirmation (POST) names the
/// delegate, proves it with the PIN from the invitation or the last four digits of the delegate's
/// phone, and spends the ticket. A personal invitation code names its delegate, needs no PIN
/// (the paper is the proof), and is itself spent by its confirmation.
/// </para>
/// <para>
/// Spending is an insert into <c>spent_tokens</c> keyed by the token's tag, so a ticket is spent
/// once across every node. Wrong PINs do not spend the ticket; <see cref="PinThrottle"/> bounds the
/// checks per ticket and slows (never locks) a delegate whose name is guessed at.
/// </para>
/// <para>
/// A crowded room: a device that opens the room code again gets its own unspent ticket back (kept
/// in a cookie scoped to <c>/j</c>), so re-scanning costs nothing; new tickets are bounded per client
/// address (<see cref="RoomOptions.TicketsPerAddressPerMinute"/>, sized for a room behind one NAT
/// address), per node.
/// </para>
/// </summary>
public sealed partial class DelegateAccess(
    Database database, RoomKeys keys, MeetingService meetings, AuditLog audit, PinThrottle throttle, DelegatePins pins, IOptions<RoomOptions> options,
    TimeProvider time, ILogger<DelegateAccess> logger) : IDisposable
{
    private readonly ConcurrentDictionary<Guid, (bool Active, DateTimeOffset CheckedUtc)> _sessionCache = new();
    private readonly System.Threading.RateLimiting.PartitionedRateLimiter<string> _ticketsPerAddress = System.Threading.RateLimiting.PartitionedRateLimiter.Create<string, string>(
        address => System.Threading.RateLimiting.RateLimitPartition.GetSlidingWindowLimiter(address, _ => new System.Threading.RateLimiting.SlidingWindowRateLimiterOptions
        {
            PermitLimit = options.Value.TicketsPerAddressPerMinute,
            Window = TimeSpan.FromMinutes(1),
            SegmentsPerWindow = 6,
            QueueLimit = 0,
        }));

    public void Dispose() => _ticketsPerAddress.Dispose();

    /// <summary>A room code for a display to show now.</summary>
    public async Task<(string Token, DateTimeOffset ExpiresUtc)> RoomCodeAsync(Guid meetingId, CancellationToken cancellationToken)
    {
        var key = await keys.GetAsync(cancellationToken).ConfigureAwait(false);
        var expires = time.GetUtcNow() + options.Value.RoomTokenLifetime;
        return (AccessTokens.Create(key, AccessTokenKind.Room, meetingId, Guid.NewGuid(), expires), expires);
    }

    /// <summary>Whether <paramref name="code"/> is a genuine room code still in its lifetime.</summary>
    public async Task<bool> IsRoomCodeAsync(string? code, CancellationToken cancellationToken) =>
        await keys.ReadAsync(code, cancellationToken).ConfigureAwait(false) is { Refusal: TokenRefusal.None, Token.Kind: AccessTokenKind.Room };

    /// <summary>
    /// A delegate's personal invitation code and PIN, from the key the meeting is pinned to (the
    /// first one handed out pins it to the current key), so a reprint after a key rotation gives the
    /// same code and PIN as the paper already printed.
    /// </summary>
    public async Task<(string Token, string Pin)> InvitationAsync(Meeting meeting, MeetingDelegate person, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(meeting);
        ArgumentNullException.ThrowIfNull(person);
        var key = (await keys.ForMeetingAsync(meeting.Id, pin: true, cancellationToken).ConfigureAwait(false)).Secret;
        var current = await pins.GetAsync(meeting.Id, person.Id, cancellationToken).ConfigureAwait(false);
        var expires = current?.InviteExpiresUtc ?? meeting.EndUtc + options.Value.SessionGrace;
        return (AccessTokens.Create(key, AccessTokenKind.Invite, meeting.Id, person.Id, expires), AccessTokens.Pin(key, meeting.Id, person.Id, current?.Generation ?? 0));
    }

    public async Task<string> PinAsync(Guid meetingId, Guid delegateId, CancellationToken cancellationToken)
    {
        var generation = (await pins.GetAsync(meetingId, delegateId, cancellationToken).ConfigureAwait(false))?.Generation ?? 0;
        var key = (await keys.ForMeetingAsync(meetingId, pin: false, cancellationToken).ConfigureAwait(false)).Secret;
        return AccessTokens.Pin(key, meetingId, delegateId, generation);
    }

    /// <summary>
    /// A new PIN and invitation code for one delegate (a lost invitation): the old PIN and the old
    /// invitation stop working at once, on every node.
    /// </summary>
    public async Task<(string Token, string Pin)> ReissueAsync(Meeting meeting, MeetingDelegate person, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(meeting);
        ArgumentNullException.ThrowIfNull(person);
        await pins.ReissueAsync(meeting.Id, person.Id, meeting.EndUtc + options.Value.SessionGrace, actor, cancellationToken).ConfigureAwait(false);
        Log.PinReissued(logger, meeting.Id, person.Id);
        return await InvitationAsync(meeting, person, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Checks a scanned code (GET): nothing is spent. For a room code, <paramref name="deviceTicket"/>
    /// (the ticket this device was given before) is handed back while it is good; otherwise a new one
    /// is made if <paramref name="address"/> has tickets left this minute.
    /// </summary>
    public async Task<JoinOffer> OpenAsync(string? code, string? deviceTicket, string? address, CancellationToken cancellationToken)
    {
        var token = await ReadAsync(code, cancellationToken).ConfigureAwait(false);
        if (token.Kind == AccessTokenKind.Ticket)
        {
            // A ticket is posted by the page, never opened as a link.
            throw Refused("token.invalid", "This code is not a room or invitation code.");
        }

        var meeting = await OpenMeetingAsync(token.MeetingId, cancellationToken).ConfigureAwait(false);
        if (token.Kind == AccessTokenKind.Invite)
        {
            var person = meeting.Delegates.FirstOrDefault(d => d.Id == token.Subject)
                ?? throw Refused("token.delegate-removed", "This invitation's delegate is no longer on the meeting's list.");
            await CheckInvitationIsCurrentAsync(token, cancellationToken).ConfigureAwait(false);
            if (await IsSpentAsync(token.Id, cancellationToken).ConfigureAwait(false))
            {
                throw Used();
            }

            return new JoinOffer(meeting, person, code!, token.ExpiresUtc);
        }

        var key = await keys.GetAsync(cancellationToken).ConfigureAwait(false);
        if (await keys.ReadAsync(deviceTicket, cancellationToken).ConfigureAwait(false) is { Refusal: TokenRefusal.None, Token: { } held } && held.Kind == AccessTokenKind.Ticket && held.MeetingId == meeting.Id
            && !await IsSpentAsync(held.Id, cancellationToken).ConfigureAwait(false) && await throttle.TicketHasAttemptsAsync(held.Id, cancellationToken).ConfigureAwait(false))
        {
            return new JoinOffer(meeting, null, deviceTicket!, held.ExpiresUtc);
        }

        using (var lease = _ticketsPerAddress.AttemptAcquire(address ?? "unknown"))
        {
            if (!lease.IsAcquired)
            {
                Log.TicketsLimited(logger, meeting.Id);
                throw Refused("join.too-many", "Too many phones on this network scanned in the last minute; wait a moment and scan again.");
            }
        }

        var expires = time.GetUtcNow() + options.Value.TicketLifetime;
        return new JoinOffer(meeting, null, AccessTokens.Create(key, AccessTokenKind.Ticket, meeting.Id, Guid.NewGuid(), expires), expires);
    }

    /// <summary>The page again after a wrong answer, with the same (unspent) ticket or invitation.</summary>
    public async Task<JoinOffer> ReofferAsync(string? ticket, CancellationToken cancellationToken)
    {
        var token = await ReadAsync(ticket, cancellationToken).ConfigureAwait(false);
        var meeting = await OpenMeetingAsync(token.MeetingId, cancellationToken).ConfigureAwait(false);
        var person = token.Kind == AccessTokenKind.Invite ? meeting.Delegates.FirstOrDefault(d => d.Id == token.Subject) : null;
        return new JoinOffer(meeting, person, ticket!, token.ExpiresUtc);
    }

    /// <summary>
    /// The confirmation (POST): checks the ticket, who the delegate is and their proof, spends the
    /// ticket and opens a session for this device.
    /// </summary>
    public async Task<(DelegateSession Session, MeetingDelegate Delegate, Meeting Meeting)> ConfirmAsync(string? ticket, Guid? delegateId, string? secret, string? device, CancellationToken cancellationToken)
    {
        var token = await ReadAsync(ticket, cancellationToken).ConfigureAwait(false);
        if (token.Kind == AccessTokenKind.Room)
        {
            throw Refused("token.invalid", "A room code is opened, not posted: scan it again.");
        }

        var meeting = await OpenMeetingAsync(token.MeetingId, cancellationToken).ConfigureAwait(false);
        MeetingDelegate person;
        if (token.Kind == AccessTokenKind.Invite)
        {
            person = meeting.Delegates.FirstOrDefault(d => d.Id == token.Subject)
                ?? throw Refused("token.delegate-removed", "This invitation's delegate is no longer on the meeting's list.");
            await CheckInvitationIsCurrentAsync(token, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            person = meeting.Delegates.FirstOrDefault(d => d.Id == delegateId)
                ?? throw DomainException.Invalid("delegate", "Choose your name from the meeting's list of delegates.");

            // The delegate's wait first: a try refused for it costs the device nothing.
            var wait = await throttle.DelegateWaitAsync(meeting.Id, person.Id, cancellationToken).ConfigureAwait(false);
            if (wait > TimeSpan.Zero)
            {
                throw new DomainException(DomainErrorKind.Conflict, "delegate.paused",
                    string.Create(CultureInfo.InvariantCulture, $"Several wrong PINs for this name; wait {Math.Ceiling(wait.TotalSeconds)} seconds and try again."));
            }

            if (!await throttle.TryCountTicketAttemptAsync(token.Id, cancellationToken).ConfigureAwait(false))
            {
                Log.TicketExhausted(logger, meeting.Id);
                throw Refused("token.exhausted", "Too many tries on this page. Scan the code on the room's screen again.");
            }

            var pin = await PinAsync(meeting.Id, person.Id, cancellationToken).ConfigureAwait(false);
            if (!Proves(secret, pin, meeting.PhoneDigitsProof ? person.Phone : null))
            {
                await throttle.DelegateFailedAsync(meeting.Id, person.Id, cancellationToken).ConfigureAwait(false);
                Log.WrongSecret(logger, meeting.Id, person.Id);
                throw DomainException.Invalid("secret", meeting.PhoneDigitsProof && person.Phone is not null
                    ? "That is neither your PIN nor the last four digits of your phone number."
                    : "The PIN does not match. It is the six digits on your invitation.");
            }

            await throttle.DelegateSucceededAsync(meeting.Id, person.Id, cancellationToken).ConfigureAwait(false);
        }

        var session = new DelegateSession(Guid.NewGuid(), meeting.Id, person.Id, token.Kind == AccessTokenKind.Invite ? "invitation" : "room-code",
            Documents.DocumentService.DeviceLabel(device), time.GetUtcNow(), meeting.EndUtc + options.Value.SessionGrace, null);
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            var spent = await connection.ExecuteAsync(transaction,
                "INSERT INTO spent_tokens (id, kind, meeting_id, spent_utc, expires_utc) VALUES (@id, @k, @m, @at, @exp) ON CONFLICT DO NOTHING",
                cancellationToken, ("id", token.Id), ("k", token.Kind.ToString()), ("m", meeting.Id.ToString()), ("at", database.ToDb(session.CreatedUtc)),
                ("exp", database.ToDb(token.ExpiresUtc))).ConfigureAwait(false);
            if (spent != 1)
            {
                throw Used();
            }

            // Spent tokens past their expiry are refused by their date anyway; keep the table small.
            await connection.ExecuteAsync(transaction, "DELETE FROM spent_tokens WHERE expires_utc < @old", cancellationToken,
                ("old", database.ToDb(session.CreatedUtc.AddDays(-1)))).ConfigureAwait(false);

            await connection.ExecuteAsync(transaction,
                "INSERT INTO delegate_sessions (id, meeting_id, delegate_id, via, device, created_utc, expires_utc) VALUES (@id, @m, @d, @via, @dev, @at, @exp)",
                cancellationToken, ("id", session.Id.ToString()), ("m", meeting.Id.ToString()), ("d", person.Id.ToString()), ("via", session.Via),
                ("dev", session.Device), ("at", database.ToDb(session.CreatedUtc)), ("exp", database.ToDb(session.ExpiresUtc))).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, "delegate:" + person.Id, "delegate.signed-in", "meeting", meeting.Id.ToString(),
                $"{person.Name} by {session.Via} on {session.Device}", cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        Log.SignedIn(logger, meeting.Id, person.Id, session.Via);
        return (session, person, meeting);
    }

    /// <summary>The claims of a delegate's cookie.</summary>
    public static ClaimsPrincipal Principal(DelegateSession session, MeetingDelegate person)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(person);
        List<Claim> claims =
        [
            new(ClaimTypes.NameIdentifier, person.Id.ToString()),
            new(ClaimTypes.Name, person.Name),
            new(RoomAuth.MeetingClaim, session.MeetingId.ToString()),
            new(RoomAuth.SessionClaim, session.Id.ToString()),
        ];
        if (person.Unit is { } unit)
        {
            claims.Add(new Claim(RoomAuth.UnitClaim, unit));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, RoomAuth.DelegateScheme));
    }

    /// <summary>Whether a session is still good (not revoked, not expired); answers from a 30-second cache.</summary>
    public async Task<bool> IsActiveAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_sessionCache.TryGetValue(sessionId, out var cached) && now - cached.CheckedUtc < TimeSpan.FromSeconds(30))
        {
            return cached.Active;
        }

        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync(null, "SELECT expires_utc, revoked_utc FROM delegate_sessions WHERE id = @id",
            r => (Expires: database.ReadTime(r, 0), NotRevoked: r.IsDBNull(1)), cancellationToken, ("id", sessionId.ToString())).ConfigureAwait(false);
        var active = rows.Count == 1 && rows[0].NotRevoked && rows[0].Expires > now;
        if (_sessionCache.Count > 50_000)
        {
            _sessionCache.Clear();
        }

        _sessionCache[sessionId] = (active, now);
        return active;
    }

    /// <summary>Signs every device of a delegate out (a lost phone).</summary>
    public async Task<int> RevokeAsync(Guid meetingId, Guid delegateId, string actor, CancellationToken cancellationToken)
    {
        var revoked = await database.InTransactionAsync(async (connection, transaction) =>
        {
            var ids = await connection.QueryAsync(transaction, "SELECT id FROM delegate_sessions WHERE meeting_id = @m AND delegate_id = @d AND revoked_utc IS NULL",
                r => Guid.Parse(r.GetString(0)), cancellationToken, ("m", meetingId.ToString()), ("d", delegateId.ToString())).ConfigureAwait(false);
            await connection.ExecuteAsync(transaction, "UPDATE delegate_sessions SET revoked_utc = @t WHERE meeting_id = @m AND delegate_id = @d AND revoked_utc IS NULL",
                cancellationToken, ("t", database.ToDb(time.GetUtcNow())), ("m", meetingId.ToString()), ("d", delegateId.ToString())).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "delegate.signed-out", "meeting", meetingId.ToString(),
                string.Create(CultureInfo.InvariantCulture, $"delegate {delegateId}: {ids.Count} device(s)"), cancellationToken).ConfigureAwait(false);
            return ids;
        }, cancellationToken).ConfigureAwait(false);
        foreach (var id in revoked)
        {
            _sessionCache[id] = (false, time.GetUtcNow());
        }

        return revoked.Count;
    }

    public async Task<IReadOnlyList<DelegateSession>> ListSessionsAsync(Guid meetingId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QueryAsync(null,
            "SELECT id, meeting_id, delegate_id, via, device, created_utc, expires_utc, revoked_utc FROM delegate_sessions WHERE meeting_id = @m ORDER BY created_utc",
            r => new DelegateSession(Guid.Parse(r.GetString(0)), Guid.Parse(r.GetString(1)), Guid.Parse(r.GetString(2)), r.GetString(3), r.GetString(4),
                database.ReadTime(r, 5), database.ReadTime(r, 6), r.IsDBNull(7) ? null : database.ReadTime(r, 7)),
            cancellationToken, ("m", meetingId.ToString())).ConfigureAwait(false);
    }

    /// <summary>The PIN, or the last four digits of the phone number when the delegate has one; spaces and dots ignored.</summary>
    internal static bool Proves(string? secret, string pin, string? phone)
    {
        var digits = new string((secret ?? "").Where(char.IsAsciiDigit).ToArray());
        if (digits.Length == 0)
        {
            return false;
        }

        if (System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(digits), System.Text.Encoding.ASCII.GetBytes(pin)))
        {
            return true;
        }

        var phoneDigits = new string((phone ?? "").Where(char.IsAsciiDigit).ToArray());
        return phoneDigits.Length >= 4 && digits.Length == 4 && digits == phoneDigits[^4..];
    }

    /// <summary>Refuses an invitation replaced by a reissue (its expiry is not the delegate's current one).</summary>
    private async Task CheckInvitationIsCurrentAsync(AccessToken token, CancellationToken cancellationToken)
    {
        if (await pins.GetAsync(token.MeetingId, token.Subject, cancellationToken).ConfigureAwait(false) is { } current
            && current.InviteExpiresUtc.ToUnixTimeSeconds() != token.ExpiresUtc.ToUnixTimeSeconds())
        {
            throw Refused("token.reissued", "This invitation was replaced by a new one; use the new invitation or ask the secretariat.");
        }
    }

    private async Task<AccessToken> ReadAsync(string? code, CancellationToken cancellationToken)
    {
        var (token, refusal, _) = await keys.ReadAsync(code, cancellationToken).ConfigureAwait(false);
        if (refusal == TokenRefusal.None)
        {
            return token!;
        }

        Log.Refused(logger, refusal);
        throw refusal == TokenRefusal.Expired
            ? Refused("token.expired", "This code has expired. Scan the code on the room's screen again.")
            : Refused("token.invalid", "This code is not valid. Scan the code on the room's screen again.");
    }

    private async Task<bool> IsSpentAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ScalarAsync(null, "SELECT 1 FROM spent_tokens WHERE id = @id", cancellationToken, ("id", id)).ConfigureAwait(false) is not null;
    }

    private async Task<Meeting> OpenMeetingAsync(Guid meetingId, CancellationToken cancellationToken)
    {
        var meeting = await meetings.GetAsync(meetingId, cancellationToken).ConfigureAwait(false)
            ?? throw Refused("token.invalid", "This code's meeting no longer exists.");
        if (meeting.Status is MeetingStatus.Cancelled || (meeting.Status == MeetingStatus.Ended && time.GetUtcNow() > (meeting.EndedUtc ?? meeting.EndUtc) + options.Value.SessionGrace))
        {
            throw Refused("meeting.over", $"Meeting '{meeting.Title}' is {(meeting.Status == MeetingStatus.Cancelled ? "cancelled" : "over")}.");
        }

        return meeting;
    }

    private static DomainException Used() => Refused("token.used", "This code has already been used. Scan the code on the room's screen again.");

    private static DomainException Refused(string code, string message) => new(DomainErrorKind.Conflict, code, message);

    private static partial class Log
    {
        [LoggerMessage(EventId = 9010, Level = LogLevel.Information, Message = "A QR token was refused: {Refusal}")]
        public static partial void Refused(ILogger logger, TokenRefusal refusal);

        [LoggerMessage(EventId = 9011, Level = LogLevel.Warning, Message = "Wrong PIN for delegate {DelegateId} of meeting {MeetingId}")]
        public static partial void WrongSecret(ILogger logger, Guid meetingId, Guid delegateId);

        [LoggerMessage(EventId = 9012, Level = LogLevel.Information, Message = "Delegate {DelegateId} of meeting {MeetingId} signed in by {Via}")]
        public static partial void SignedIn(ILogger logger, Guid meetingId, Guid delegateId, string via);

        [LoggerMessage(EventId = 13201, Level = LogLevel.Warning, Message = "A confirmation ticket for meeting {MeetingId} had all its PIN tries; the device must scan again")]
        public static partial void TicketExhausted(ILogger logger, Guid meetingId);

        [LoggerMessage(EventId = 13202, Level = LogLevel.Warning, Message = "New confirmation tickets for meeting {MeetingId} refused: one address asked for too many this minute")]
        public static partial void TicketsLimited(ILogger logger, Guid meetingId);

        [LoggerMessage(EventId = 13203, Level = LogLevel.Information, Message = "PIN and invitation of delegate {DelegateId} of meeting {MeetingId} reissued")]
        public static partial void PinReissued(ILogger logger, Guid meetingId, Guid delegateId);
    }
}
