using Conferencing.Sip.Dialogs;
using Conferencing.Sip.Transport;

namespace Conferencing.Sip.UserAgent;

/// <summary>How a call ended.</summary>
/// <param name="ByUs">True when we hung up.</param>
/// <param name="Reason">BYE received, BYE sent, no ACK, session expired, ...</param>
public sealed record CallEnd(bool ByUs, string Reason);

/// <summary>
/// An established call (a confirmed INVITE dialog). Hang up with <see cref="HangUpAsync"/>; learn that
/// the peer hung up from <see cref="Ended"/>. INFO, re-INVITE and UPDATE from the peer are answered
/// here; the events let the owner act on them (a keyframe request in an INFO, new SDP in a re-INVITE).
/// </summary>
public sealed partial class SipCall
{
    private readonly SipUserAgent _agent;
    private readonly TaskCompletionSource<CallEnd> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _confirmed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ITimer? _sessionTimer;
    private int _reInvitePending;

    internal SipCall(SipUserAgent agent, SipDialog dialog, bool outgoing, string localSdp, string remoteSdp)
    {
        _agent = agent;
        Dialog = dialog;
        Outgoing = outgoing;
        LocalSdp = localSdp;
        RemoteSdp = remoteSdp;
        if (outgoing)
        {
            _confirmed.TrySetResult();
        }
    }

    /// <summary>The dialog.</summary>
    public SipDialog Dialog { get; }

    /// <summary>True when we placed the call.</summary>
    public bool Outgoing { get; }

    /// <summary>Our current session description.</summary>
    public string LocalSdp { get; private set; }

    /// <summary>The peer's current session description.</summary>
    public string RemoteSdp { get; private set; }

    /// <summary>The negotiated session interval (RFC 4028), or null when no session timer runs.</summary>
    public TimeSpan? SessionInterval { get; private set; }

    /// <summary>True when we refresh the session; false when the peer must.</summary>
    public bool WeRefresh { get; private set; }

    /// <summary>Completes when the call ends, saying how.</summary>
    public Task<CallEnd> Ended => _ended.Task;

    /// <summary>For calls we answered: completes when the ACK arrives.</summary>
    public Task Confirmed => _confirmed.Task;

    /// <summary>True until the call ends.</summary>
    public bool IsActive => !_ended.Task.IsCompleted;

    /// <summary>Raised for each INFO from the peer, with its content type and body (already answered 200).</summary>
    public event Action<SipCall, string?, string>? InfoReceived;

    /// <summary>Raised when the peer changed the session with a re-INVITE or UPDATE carrying new SDP.</summary>
    public event Action<SipCall, string>? RemoteSdpChanged;

    /// <summary>
    /// Decides the answer to a re-INVITE offer: given the peer's new SDP, return our answer. When unset,
    /// our current SDP is answered unchanged (a session refresh).
    /// </summary>
    public Func<string, string>? AnswerReInvite { get; set; }

    /// <summary>Sends BYE and ends the call. Safe to call twice.</summary>
    public async Task HangUpAsync(string reason = "hang up", CancellationToken cancellationToken = default)
    {
        if (!End(new CallEnd(true, reason)))
        {
            return;
        }

        var bye = Dialog.CreateRequest("BYE");
        bye.Headers.Add("Reason", $"SIP;text=\"{reason.Replace("\"", "'", StringComparison.Ordinal)}\"");
        await _agent.SendInDialogAsync(this, bye, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends an INFO (e.g. application/media_control+xml picture_fast_update, RFC 5168).</summary>
    public async Task<int> SendInfoAsync(string contentType, string body, CancellationToken cancellationToken = default)
    {
        var info = Dialog.CreateRequest("INFO");
        info.Headers.Add("Content-Type", contentType);
        info.BodyText = body;
        var response = await _agent.SendInDialogAsync(this, info, cancellationToken).ConfigureAwait(false);
        return response.StatusCode;
    }

    /// <summary>
    /// Sends a re-INVITE with a new offer and returns the status; on 2xx the peer's answer becomes
    /// <see cref="RemoteSdp"/>. 491 means glare (the peer's offer crossed ours): try again later
    /// (RFC 3261 14.1); a session refresh does so by itself.
    /// </summary>
    public Task<int> ReInviteAsync(string sdp, CancellationToken cancellationToken = default) => OfferAsync("INVITE", sdp, cancellationToken);

    /// <summary>
    /// Sends an UPDATE (RFC 3311) with a new offer and returns the status: the same exchange as
    /// <see cref="ReInviteAsync"/> in one round trip, with no ACK, also usable as a session refresh.
    /// </summary>
    public Task<int> UpdateAsync(string sdp, CancellationToken cancellationToken = default) => OfferAsync("UPDATE", sdp, cancellationToken);

    private async Task<int> OfferAsync(string method, string sdp, CancellationToken cancellationToken)
    {
        // One offer at a time in a dialog (RFC 3264 4, RFC 3311 5.1): a second one is glare of our own making.
        if (Interlocked.Exchange(ref _reInvitePending, 1) == 1)
        {
            return 491;
        }

        try
        {
            var request = Dialog.CreateRequest(method);
            _agent.AddSessionHeaders(request, this);
            request.Headers.Add("Content-Type", "application/sdp");
            request.BodyText = sdp;
            var (response, sent) = await _agent.ExchangeInDialogAsync(this, request, cancellationToken).ConfigureAwait(false);
            if (response.IsSuccess)
            {
                Dialog.RefreshTarget(response);
                LocalSdp = sdp;
                if (response.Body.Length > 0)
                {
                    RemoteSdp = response.BodyText;
                }

                if (method == "INVITE")
                {
                    await _agent.AckAsync(this, sent, response).ConfigureAwait(false);
                }

                // The 2xx states the interval and refresher from now on (RFC 4028 7.4); without one the timer carries on.
                if (!_agent.ApplySessionTimerFromResponse(this, response))
                {
                    ArmSessionTimer();
                }
            }

            return response.StatusCode;
        }
        finally
        {
            Volatile.Write(ref _reInvitePending, 0);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"call {Dialog.CallId} ({(Outgoing ? "out" : "in")})";

    internal bool ReInvitePending => Volatile.Read(ref _reInvitePending) == 1;

    internal void Confirm() => _confirmed.TrySetResult();

    internal bool End(CallEnd end)
    {
        if (!_ended.TrySetResult(end))
        {
            return false;
        }

        _sessionTimer?.Dispose();
        _confirmed.TrySetResult();
        _agent.Forget(this);
        return true;
    }

    internal void OnInfo(string? contentType, string body) => InfoReceived?.Invoke(this, contentType, body);

    internal string OnRemoteOffer(string sdp)
    {
        RemoteSdp = sdp;
        LocalSdp = AnswerReInvite?.Invoke(sdp) ?? LocalSdp;
        RemoteSdpChanged?.Invoke(this, sdp);
        return LocalSdp;
    }

    internal void SetSessionTimer(TimeSpan? interval, bool weRefresh)
    {
        SessionInterval = interval;
        WeRefresh = weRefresh;
        ArmSessionTimer();
    }

    /// <summary>
    /// RFC 4028 10: the refresher refreshes at half the interval; the other side, when no refresh
    /// came, ends the session shortly before it expires.
    /// </summary>
    internal void ArmSessionTimer()
    {
        if (SessionInterval is not { } interval || !IsActive)
        {
            return;
        }

        _sessionTimer?.Dispose();
        var due = WeRefresh ? interval / 2 : interval - TimeSpan.FromSeconds(Math.Min(32, interval.TotalSeconds / 3));
        _sessionTimer = _agent.Time.CreateTimer(_ => _ = OnSessionTimerAsync(), null, due, Timeout.InfiniteTimeSpan);
    }

    private async Task OnSessionTimerAsync()
    {
        if (!IsActive)
        {
            return;
        }

        if (WeRefresh)
        {
            var status = await ReInviteAsync(LocalSdp).ConfigureAwait(false);
            if (status is 408 or 481)
            {
                // RFC 4028 10: a refresh that times out or finds no dialog ends the session.
                await HangUpAsync("session refresh failed").ConfigureAwait(false);
            }
            else if (status == 491 && IsActive)
            {
                // Glare: try again after 2.1-4 s if we placed the call, 0-2 s if the peer did (RFC 3261 14.1).
                var wait = Outgoing ? TimeSpan.FromMilliseconds(Random.Shared.Next(2100, 4001)) : TimeSpan.FromMilliseconds(Random.Shared.Next(0, 2001));
                _sessionTimer?.Dispose();
                _sessionTimer = _agent.Time.CreateTimer(_ => _ = OnSessionTimerAsync(), null, wait, Timeout.InfiniteTimeSpan);
            }
        }
        else
        {
            await HangUpAsync("session expired").ConfigureAwait(false);
        }
    }

    internal SipEndPoint Peer => Dialog.Peer;
}
