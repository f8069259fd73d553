using Conferencing.Sip.Auth;
using Conferencing.Sip.Dialogs;
using Conferencing.Sip.Transport;

namespace Conferencing.Sip.UserAgent;

/// <summary>Why an outgoing call did not connect.</summary>
public sealed class SipCallFailedException(int statusCode, string reason)
    : Exception($"The call failed with {statusCode} {reason}")
{
    /// <summary>The final status (408 for no answer, 503 for a transport failure).</summary>
    public int StatusCode { get; } = statusCode;

    /// <summary>The reason phrase.</summary>
    public string Reason { get; } = reason;
}

public sealed partial class SipUserAgent
{
    /// <summary>
    /// Places a call: INVITE with our offer, then on 2xx the dialog, the ACK, and the call. Provisional
    /// responses go to <paramref name="provisional"/>. Cancelling the token while it rings sends CANCEL.
    /// Throws <see cref="SipCallFailedException"/> for a non-2xx final response.
    /// </summary>
    public async Task<SipCall> InviteAsync(SipUri target, SipEndPoint destination, string sdpOffer, Action<SipResponse>? provisional = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        var invite = NewRequest("INVITE", target, new NameAddress(target), destination.Protocol);
        AddSessionHeaders(invite, null);
        invite.Headers.Add("Content-Type", "application/sdp");
        invite.BodyText = sdpOffer;

        var pending = invite;
        var rang = false;
        await using var registration = cancellationToken.Register(() =>
        {
            // CANCEL only once something provisional came back (9.1).
            if (Volatile.Read(ref rang))
            {
                _ = SendCancelAsync(pending, destination);
            }
        }).ConfigureAwait(false);

        void OnProvisional(SipResponse r)
        {
            Volatile.Write(ref rang, true);
            provisional?.Invoke(r);
            if (cancellationToken.IsCancellationRequested)
            {
                _ = SendCancelAsync(pending, destination);
            }
        }

        var response = await Stack.SendRequestAsync(invite, destination, OnProvisional, CancellationToken.None).ConfigureAwait(false);
        var retries = new Retries();
        while (RetryFor(invite, response, null, retries) is { } retry)
        {
            pending = invite = retry;
            response = await Stack.SendRequestAsync(retry, destination, OnProvisional, CancellationToken.None).ConfigureAwait(false);
        }

        if (!response.IsSuccess)
        {
            throw new SipCallFailedException(response.StatusCode, response.ReasonPhrase);
        }

        var dialog = SipDialog.ForUac(invite, response, destination);
        var call = new SipCall(this, dialog, outgoing: true, sdpOffer, response.BodyText);
        _calls[dialog.Id] = call;
        await AckAsync(call, invite, response).ConfigureAwait(false);
        ApplySessionTimerFromResponse(call, response);
        if (cancellationToken.IsCancellationRequested)
        {
            // Cancelled too late to CANCEL (the 2xx won the race): end the call properly.
            await call.HangUpAsync("cancelled").ConfigureAwait(false);
            throw new OperationCanceledException(cancellationToken);
        }

        return call;
    }

    /// <summary>A 2xx retransmission after our ACK was lost: send the same ACK again (13.2.2.4).</summary>
    public async Task OnStrayResponseAsync(SipResponse response, SipEndPoint remote)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.From?.Tag is { } local && response.To?.Tag is { } peer && response.CallId is { } callId
            && _lastAcks.TryGetValue(SipDialog.Key(callId, local, peer), out var ack))
        {
            await Stack.SendStatelessAsync(ack, remote).ConfigureAwait(false);
        }
    }

    private async Task SendCancelAsync(SipRequest invite, SipEndPoint destination)
    {
        // 9.1: same Request-URI, Call-ID, To, From, CSeq number and top Via branch as the INVITE.
        var cancel = new SipRequest("CANCEL", invite.RequestUri.Clone());
        cancel.Headers.Add("Via", invite.Headers.GetAll("Via")[0]);
        cancel.Headers.Add("Max-Forwards", "70");
        cancel.Headers.CopyFrom(invite.Headers, "From");
        cancel.Headers.CopyFrom(invite.Headers, "To");
        cancel.Headers.CopyFrom(invite.Headers, "Call-ID");
        cancel.Headers.Add("CSeq", new CSeqHeader(invite.CSeq!.Value.Number, "CANCEL").ToString());
        cancel.Headers.CopyFrom(invite.Headers, "Route");
        await Stack.SendCancelAsync(cancel, destination).ConfigureAwait(false);
    }

    /// <summary>Takes the session interval and refresher from a 2xx to our INVITE or UPDATE; false when it has none.</summary>
    internal bool ApplySessionTimerFromResponse(SipCall call, SipResponse response)
    {
        if (!TryReadSessionExpires(response.Headers["Session-Expires"], out var interval, out var refresher))
        {
            return false;
        }

        // We sent the request, so we are its UAC; with no refresher named in the 2xx, the UAC refreshes (RFC 4028 7.4).
        call.SetSessionTimer(interval, refresher is null or "uac");
        return true;
    }

    internal static bool TryReadSessionExpires(string? value, out TimeSpan interval, out string? refresher)
    {
        interval = default;
        refresher = null;
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        var parts = value.Split(';', StringSplitOptions.TrimEntries);
        if (!uint.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds) || seconds == 0)
        {
            return false;
        }

        interval = TimeSpan.FromSeconds(seconds);
        refresher = parts.Skip(1).Select(p => p.Split('=', 2)).Where(p => p.Length == 2 && p[0].Equals("refresher", StringComparison.OrdinalIgnoreCase))
            .Select(p => p[1].ToLowerInvariant()).FirstOrDefault();
        return true;
    }
}
