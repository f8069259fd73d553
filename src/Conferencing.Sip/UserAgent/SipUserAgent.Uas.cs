using System.Globalization;
using Conferencing.Sip.Auth;
using Conferencing.Sip.Dialogs;
using Conferencing.Sip.Stack;
using Conferencing.Sip.Transport;

namespace Conferencing.Sip.UserAgent;

public sealed partial class SipUserAgent
{
    /// <inheritdoc />
    public async Task OnRequestAsync(IncomingRequest incoming)
    {
        ArgumentNullException.ThrowIfNull(incoming);
        var request = incoming.Request;
        if (Refusal(request, incoming.Remote) is { } refusal)
        {
            await incoming.RespondAsync(refusal).ConfigureAwait(false);
            return;
        }

        if (request.To?.Tag is { } toTag)
        {
            await OnInDialogRequestAsync(incoming, toTag).ConfigureAwait(false);
            return;
        }

        switch (request.Method)
        {
            case "INVITE":
                await OnInviteAsync(incoming).ConfigureAwait(false);
                break;
            case "OPTIONS":
                var options = SipResponse.CreateFor(request, 200).WithToTag(SipRequest.NewTag());
                AddContactAndAllow(options, incoming.Remote.Protocol);
                options.Headers.Set("Accept", "application/sdp");
                await incoming.RespondAsync(options).ConfigureAwait(false);
                break;
            case "REGISTER":
                await OnRegisterAsync(incoming).ConfigureAwait(false);
                break;
            default:
                // BYE, INFO and UPDATE outside any dialog we know of (the method check let nothing else through).
                await incoming.RespondAsync(481).ConfigureAwait(false);
                break;
        }
    }

    /// <summary>
    /// The UAS checks of RFC 3261 8.2.1 to 8.2.3, in the RFC's order, for every request in or out of
    /// a dialog: the method (405 for a known one we do not take, 501 for one nobody defined), the
    /// Request-URI scheme (416), Require (420 naming what we lack), then the body: an encoding (415
    /// with Accept-Encoding) or, for INVITE and UPDATE, a type other than SDP (415 with Accept) and an
    /// Accept that leaves SDP out (406). Null when the request may go on.
    /// </summary>
    private SipResponse? Refusal(SipRequest request, SipEndPoint remote)
    {
        if (!Methods.Contains(request.Method))
        {
            var status = SipMethods.IsKnown(request.Method) ? 405 : 501;
            return Refuse(request, status, response => response.Headers.Set("Allow", Allow));
        }

        if (!(request.RequestUri.IsSip || request.RequestUri.Scheme == "tel"))
        {
            return Refuse(request, 416, null);
        }

        var unsupported = request.Headers.GetAll("Require").Where(tag => !Supported.Contains(tag, StringComparer.OrdinalIgnoreCase)).ToList();
        if (unsupported.Count > 0)
        {
            return Refuse(request, 420, response => response.Headers.Set("Unsupported", string.Join(", ", unsupported)));
        }

        if (request.Body.Length == 0)
        {
            return null;
        }

        if (request.Headers.GetAll("Content-Encoding").Any(e => !e.Equals("identity", StringComparison.OrdinalIgnoreCase)))
        {
            return Refuse(request, 415, response => response.Headers.Set("Accept-Encoding", "identity"));
        }

        if (request.Method is not ("INVITE" or "UPDATE"))
        {
            return null;
        }

        if (request.ContentType != "application/sdp")
        {
            return Refuse(request, 415, response => response.Headers.Set("Accept", "application/sdp"));
        }

        if (request.Headers.Contains("Accept") && !request.Headers.GetAll("Accept").Any(AcceptsSdp))
        {
            // Our answer would be SDP, which the caller says it cannot take (RFC 4475 3.3.15).
            return Refuse(request, 406, response => response.Headers.Set("Warning",
                $"399 {LocalUri(remote.Protocol).Host} \"Our answer can only be application/sdp\""));
        }

        return null;

        static bool AcceptsSdp(string range) =>
            range.Split(';')[0].Trim().ToLowerInvariant() is "application/sdp" or "application/*" or "*/*";

        static SipResponse Refuse(SipRequest request, int status, Action<SipResponse>? add)
        {
            var response = SipResponse.CreateFor(request, status).WithToTag(SipRequest.NewTag());
            add?.Invoke(response);
            return response;
        }
    }

    /// <inheritdoc />
    public Task OnAckAsync(SipRequest ack, SipEndPoint remote)
    {
        ArgumentNullException.ThrowIfNull(ack);
        // An RFC 2543 peer sends no From tag: its dialog's remote tag is empty (12.1.1).
        if (ack.CallId is { } callId && ack.To?.Tag is { } local && _calls.TryGetValue(SipDialog.Key(callId, local, ack.From?.Tag ?? ""), out var call))
        {
            call.Confirm();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task OnCancelAsync(IncomingRequest invite)
    {
        ArgumentNullException.ThrowIfNull(invite);
        return _pending.TryRemove(PendingKey(invite.Request), out var call) ? call.CancelAsync() : invite.RespondAsync(487).AsTask();
    }

    /// <summary>
    /// Sends the 2xx and retransmits it until the ACK, T1 doubling to T2, for 64·T1; without an ACK the
    /// call is ended with BYE (13.3.1.4).
    /// </summary>
    internal async Task AnswerAsync(SipCall call, IncomingRequest invite, SipResponse response)
    {
        _pending.TryRemove(PendingKey(invite.Request), out _);
        _calls[call.Dialog.Id] = call;
        await invite.RespondAsync(response).ConfigureAwait(false);
        if (!invite.Remote.IsReliable)
        {
            _ = RetransmitUntilAckAsync(call, invite.Remote, response.ToBytes());
        }
    }

    /// <summary>
    /// Answers the Session-Expires of an INVITE or UPDATE we take (RFC 4028 9): the interval at least
    /// our Min-SE, the refresher the UAC chose or else the UAC when it supports timers, Require: timer
    /// when it does. False when the request asked for no session timer.
    /// </summary>
    internal bool NegotiateSessionTimer(SipRequest invite, SipResponse response, SipCall call)
    {
        if (!TryReadSessionExpires(invite.Headers["Session-Expires"], out var asked, out var refresher))
        {
            return false;
        }

        var interval = asked < Options.MinSessionExpires ? Options.MinSessionExpires : asked;
        var uacSupports = (invite.Headers["Supported"] ?? "").Split(',', StringSplitOptions.TrimEntries).Contains("timer", StringComparer.OrdinalIgnoreCase);

        // RFC 4028 9: the UAS keeps the UAC's choice of refresher, else picks the UAC when it supports timers.
        var uacRefreshes = refresher is "uac" || (refresher is null && uacSupports);
        response.Headers.Set("Session-Expires", ((int)interval.TotalSeconds).ToString(CultureInfo.InvariantCulture) + (uacRefreshes ? ";refresher=uac" : ";refresher=uas"));
        if (uacSupports)
        {
            response.Headers.Set("Require", "timer");
        }

        call.SetSessionTimer(interval, weRefresh: !uacRefreshes);
        return true;
    }

    private async Task OnInviteAsync(IncomingRequest incoming)
    {
        var request = incoming.Request;
        if (TryReadSessionExpires(request.Headers["Session-Expires"], out var asked, out _) && asked < Options.MinSessionExpires)
        {
            var tooSmall = SipResponse.CreateFor(request, 422).WithToTag(SipRequest.NewTag());
            tooSmall.Headers.Set("Min-SE", ((int)Options.MinSessionExpires.TotalSeconds).ToString(CultureInfo.InvariantCulture));
            await incoming.RespondAsync(tooSmall).ConfigureAwait(false);
            return;
        }

        string? user = null;
        if (Options.AuthenticateInvites && !await AuthenticateOrAnswerAsync(incoming, u => user = u).ConfigureAwait(false))
        {
            return;
        }

        if (_calls.Count + _pending.Count >= Options.MaxCalls)
        {
            var busy = SipResponse.CreateFor(request, 503, "Service Unavailable (too many calls)").WithToTag(SipRequest.NewTag());
            busy.Headers.Set("Retry-After", "30");
            await incoming.RespondAsync(busy).ConfigureAwait(false);
            return;
        }

        if (OnIncomingCall is not { } handler)
        {
            await incoming.RespondAsync(480, toTag: SipRequest.NewTag()).ConfigureAwait(false);
            return;
        }

        var call = new IncomingCall(this, incoming, user);
        _pending[PendingKey(request)] = call;
        try
        {
            await handler(call).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _pending.TryRemove(PendingKey(request), out _);
            if (incoming.AnsweredWith < 200)
            {
                await incoming.RespondAsync(500, "Call handler failed", call.LocalTag).ConfigureAwait(false);
            }

            throw;
        }
    }

    private async Task OnInDialogRequestAsync(IncomingRequest incoming, string localTag)
    {
        var request = incoming.Request;
        var key = SipDialog.Key(request.CallId!, localTag, request.From?.Tag ?? "");
        if (!_calls.TryGetValue(key, out var call))
        {
            await incoming.RespondAsync(481).ConfigureAwait(false);
            return;
        }

        var order = call.Dialog.AcceptRemoteRequest(request);
        if (order != 0)
        {
            await incoming.RespondAsync(order, "CSeq out of order").ConfigureAwait(false);
            return;
        }

        switch (request.Method)
        {
            case "BYE":
                await incoming.RespondAsync(200).ConfigureAwait(false);
                call.End(new CallEnd(false, request.Headers["Reason"] ?? "BYE received"));
                break;
            case "INFO":
                await incoming.RespondAsync(200).ConfigureAwait(false);
                call.OnInfo(request.ContentType, request.BodyText);
                break;
            case "INVITE" or "UPDATE":
                // Glare: their offer crossed ours (RFC 3261 14.2; RFC 3311 5.2 for an UPDATE with an offer).
                if (call.ReInvitePending && (request.Method == "INVITE" || request.Body.Length > 0))
                {
                    await incoming.RespondAsync(491).ConfigureAwait(false);
                    return;
                }

                if (TryReadSessionExpires(request.Headers["Session-Expires"], out var asked, out _) && asked < Options.MinSessionExpires)
                {
                    var tooSmall = SipResponse.CreateFor(request, 422);
                    tooSmall.Headers.Set("Min-SE", ((int)Options.MinSessionExpires.TotalSeconds).ToString(CultureInfo.InvariantCulture));
                    await incoming.RespondAsync(tooSmall).ConfigureAwait(false);
                    return;
                }

                var ok = SipResponse.CreateFor(request, 200);
                AddContactAndAllow(ok, incoming.Remote.Protocol);
                if (!NegotiateSessionTimer(request, ok, call))
                {
                    // A refresh without Session-Expires still shows the peer is there.
                    call.ArmSessionTimer();
                }

                // An offer gets an answer; an offerless re-INVITE gets our offer; an UPDATE without
                // an offer (a plain session refresh) gets no body at all (RFC 3311 5.2).
                if (request.Body.Length > 0 || request.Method == "INVITE")
                {
                    ok.Headers.Set("Content-Type", "application/sdp");
                    ok.BodyText = request.Body.Length > 0 ? call.OnRemoteOffer(request.BodyText) : call.LocalSdp;
                }

                await incoming.RespondAsync(ok).ConfigureAwait(false);
                break;
            case "OPTIONS":
                await incoming.RespondAsync(200).ConfigureAwait(false);
                break;
            default:
                await incoming.RespondAsync(405).ConfigureAwait(false);
                break;
        }
    }

    private async Task OnRegisterAsync(IncomingRequest incoming)
    {
        var request = incoming.Request;
        string? user = null;
        if (Options.Authenticator is not null && !await AuthenticateOrAnswerAsync(incoming, u => user = u).ConfigureAwait(false))
        {
            return;
        }

        if (!request.To!.Uri.IsSip || request.Contacts.Any(c => !c.IsWildcard && !c.Uri.IsSip))
        {
            // An address of record is a SIP or SIPS URI (10.2, RFC 4475 3.3.4), and so is what it binds to.
            var refused = SipResponse.CreateFor(request, 400, "Bad Request (To and Contact must be SIP or SIPS URIs)").WithToTag(SipRequest.NewTag());
            await incoming.RespondAsync(refused).ConfigureAwait(false);
            return;
        }

        // 10.3 step 6: the authenticated user must be allowed to register this address of record.
        if (user is not null && !(Options.MayRegister ?? DefaultMayRegister)(user, request.To.Uri))
        {
            var forbidden = SipResponse.CreateFor(request, 403, "Forbidden (address of record not bound to this user)").WithToTag(SipRequest.NewTag());
            await incoming.RespondAsync(forbidden).ConfigureAwait(false);
            return;
        }

        var aor = request.To!.Uri.ToString();

        // One binding set per authenticated user, whatever address of record it names, so one room's
        // credentials can never hold two registrations.
        var key = user is null ? "aor:" + aor : "user:" + user;
        var expires = uint.TryParse(request.Headers["Expires"], NumberStyles.None, CultureInfo.InvariantCulture, out var e) ? e : 3600u;
        var response = SipResponse.CreateFor(request, 200).WithToTag(SipRequest.NewTag());
        foreach (var contact in request.Contacts)
        {
            var seconds = uint.TryParse(contact.Parameters["expires"], NumberStyles.None, CultureInfo.InvariantCulture, out var c) ? c : expires;
            if (contact.IsWildcard || seconds == 0)
            {
                if (_registrations.TryRemove(key, out var removed))
                {
                    RegistrationChanged?.Invoke(removed, false);
                }

                continue;
            }

            if (!_registrations.ContainsKey(key) && !MakeRoomForRegistration())
            {
                var full = SipResponse.CreateFor(request, 503, "Service Unavailable (registrar full)").WithToTag(SipRequest.NewTag());
                full.Headers.Set("Retry-After", "60");
                await incoming.RespondAsync(full).ConfigureAwait(false);
                return;
            }

            var binding = new SipRegistration(aor, contact.Uri, incoming.Remote, Time.GetUtcNow().AddSeconds(seconds), user);
            _registrations[key] = binding;
            RegistrationChanged?.Invoke(binding, true);
            var echoed = contact.Clone();
            echoed.Parameters.Set("expires", seconds.ToString(CultureInfo.InvariantCulture));
            response.Headers.Add("Contact", echoed.ToString());
        }

        await incoming.RespondAsync(response).ConfigureAwait(false);
    }

    /// <summary>The default address-of-record rule: its user part is the digest user name.</summary>
    private static bool DefaultMayRegister(string user, SipUri addressOfRecord) =>
        string.Equals(addressOfRecord.UnescapedUser, user, StringComparison.Ordinal);

    /// <summary>Lapsed bindings go first; false when the registrar is still full of live ones.</summary>
    private bool MakeRoomForRegistration()
    {
        if (_registrations.Count < Options.MaxRegistrations)
        {
            return true;
        }

        var now = Time.GetUtcNow();
        foreach (var (key, binding) in _registrations)
        {
            if (binding.ExpiresUtc <= now)
            {
                _registrations.TryRemove(key, out _);
            }
        }

        return _registrations.Count < Options.MaxRegistrations;
    }

    /// <summary>
    /// Checks the request's digest answer. True with the user when it is right; otherwise the answer is
    /// sent here: 403 while the address or user is throttled (or too many answers are already held
    /// back), else 401 with a fresh challenge (stale=TRUE for an old nonce), held back for a growing
    /// delay after repeated failures.
    /// </summary>
    private async Task<bool> AuthenticateOrAnswerAsync(IncomingRequest incoming, Action<string?> accepted)
    {
        var request = incoming.Request;
        var server = Options.Authenticator!;
        var source = incoming.Remote.Address.Address;
        var header = request.Headers["Authorization"];
        DigestCredentials? credentials = null;
        var parsed = header is not null && DigestCredentials.TryParse(header, out credentials, out _);
        var throttle = Options.Throttle;
        if (throttle is not null && throttle.IsBlocked(source, credentials?.Username))
        {
            await RespondForbiddenAsync(incoming).ConfigureAwait(false);
            return false;
        }

        if (header is null || Options.PasswordOf is not { } passwordOf)
        {
            await ChallengeAsync(incoming, credentials?.Username, stale: false).ConfigureAwait(false);
            return false;
        }

        var verdict = !parsed ? DigestVerdict.Rejected
            : !AlgorithmAccepted(credentials!) ? DigestVerdict.Rejected
            : server.Verify(credentials!, request.Method, request.RequestUri.ToString(), passwordOf, request.Body.Span);
        switch (verdict)
        {
            case DigestVerdict.Accepted:
                throttle?.Succeeded(credentials!.Username);
                accepted(credentials!.Username);
                return true;
            case DigestVerdict.Stale:
                await ChallengeAsync(incoming, credentials!.Username, stale: true).ConfigureAwait(false);
                return false;
            default:
                var delay = throttle?.Failed(source, credentials?.Username) ?? TimeSpan.Zero;
                if (delay <= TimeSpan.Zero)
                {
                    await ChallengeAsync(incoming, credentials?.Username, stale: false).ConfigureAwait(false);
                }
                else if (Interlocked.Increment(ref _heldAnswers) > MaxHeldAnswers)
                {
                    Interlocked.Decrement(ref _heldAnswers);
                    await RespondForbiddenAsync(incoming).ConfigureAwait(false);
                }
                else
                {
                    // Not awaited: the receive loop must go on while this answer waits.
                    _ = ChallengeLaterAsync(incoming, credentials?.Username, delay);
                }

                return false;
        }
    }

    private async Task ChallengeLaterAsync(IncomingRequest incoming, string? user, TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, Time).ConfigureAwait(false);
            await ChallengeAsync(incoming, user, stale: false).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ObjectDisposedException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            // The stack stopped while the answer waited.
        }
        finally
        {
            Interlocked.Decrement(ref _heldAnswers);
        }
    }

    private static ValueTask RespondForbiddenAsync(IncomingRequest incoming) =>
        incoming.RespondAsync(SipResponse.CreateFor(incoming.Request, 403, "Forbidden (too many failed authentications)").WithToTag(SipRequest.NewTag()));

    /// <summary>Our own algorithm, or MD5 where <see cref="SipUserAgentOptions.AllowsMd5"/> lets this user use it.</summary>
    private bool AlgorithmAccepted(DigestCredentials credentials) =>
        credentials.Algorithm == Options.Authenticator!.Algorithm
        || (credentials.Algorithm == DigestAlgorithm.Md5 && (Options.AllowsMd5 is not { } allows || allows(credentials.Username)));

    private ValueTask ChallengeAsync(IncomingRequest incoming, string? user, bool stale)
    {
        var server = Options.Authenticator!;
        var response = SipResponse.CreateFor(incoming.Request, 401).WithToTag(SipRequest.NewTag());
        response.Headers.Add("WWW-Authenticate", server.CreateChallenge(stale).ToString());
        user ??= incoming.Request.From?.Uri.UnescapedUser;
        if (server.Algorithm != DigestAlgorithm.Md5 && (Options.AllowsMd5 is not { } allows || (user is not null && allows(user))))
        {
            // RFC 8760 2.4: offer the stronger algorithm first and MD5 after it for older endpoints.
            response.Headers.Add("WWW-Authenticate", server.CreateChallenge(DigestAlgorithm.Md5, stale).ToString());
        }

        return incoming.RespondAsync(response);
    }

    private async Task RetransmitUntilAckAsync(SipCall call, SipEndPoint remote, ReadOnlyMemory<byte> response)
    {
        var timers = Options.Stack.Timers;
        var interval = timers.T1;
        var waited = TimeSpan.Zero;
        while (waited < timers.TransactionTimeout)
        {
            await Task.WhenAny(call.Confirmed, call.Ended, Task.Delay(interval, Time)).ConfigureAwait(false);
            if (call.Confirmed.IsCompleted || call.Ended.IsCompleted)
            {
                return;
            }

            waited += interval;
            await Stack.SendStatelessAsync(SipMessage.Parse(response.Span), remote).ConfigureAwait(false);
            interval = timers.Backoff(interval);
        }

        if (!call.Confirmed.IsCompleted)
        {
            await call.HangUpAsync("no ACK").ConfigureAwait(false);
        }
    }

    private static string PendingKey(SipRequest request) => request.CallId + "|" + request.TopVia?.Branch;
}
