using Conferencing.Sip.Dialogs;
using Conferencing.Sip.Stack;

namespace Conferencing.Sip.UserAgent;

/// <summary>
/// An INVITE waiting for our decision: ring, accept with an SDP answer, or reject. A CANCEL from the
/// caller completes <see cref="Cancelled"/> and the stack answers the INVITE with 487.
/// </summary>
public sealed class IncomingCall
{
    private readonly SipUserAgent _agent;
    private readonly CancellationTokenSource _cancelled = new();
    private int _answered;

    internal IncomingCall(SipUserAgent agent, IncomingRequest invite, string? authenticatedUser)
    {
        _agent = agent;
        Invite = invite;
        LocalTag = SipRequest.NewTag();
        AuthenticatedUser = authenticatedUser;
    }

    /// <summary>The INVITE.</summary>
    public IncomingRequest Invite { get; }

    /// <summary>The caller's offer (may be empty for an offerless INVITE).</summary>
    public string RemoteSdp => Invite.Request.BodyText;

    /// <summary>The digest user that authenticated the INVITE, when dial-in authentication is on.</summary>
    public string? AuthenticatedUser { get; }

    /// <summary>Our To tag for this call.</summary>
    public string LocalTag { get; }

    /// <summary>Cancelled when the caller sent CANCEL before we answered.</summary>
    public CancellationToken Cancelled => _cancelled.Token;

    /// <summary>Sends 180 Ringing.</summary>
    public ValueTask RingAsync() => Invite.RespondAsync(180, toTag: LocalTag);

    /// <summary>Answers 200 with our SDP and returns the call; its <see cref="SipCall.Confirmed"/> completes on ACK.</summary>
    public async Task<SipCall> AcceptAsync(string sdpAnswer)
    {
        if (Interlocked.Exchange(ref _answered, 1) == 1 || _cancelled.IsCancellationRequested)
        {
            throw new InvalidOperationException("The call was already answered or cancelled.");
        }

        var dialog = SipDialog.ForUas(Invite.Request, LocalTag, Invite.Remote);
        var call = new SipCall(_agent, dialog, outgoing: false, sdpAnswer, RemoteSdp);
        var response = SipResponse.CreateFor(Invite.Request, 200).WithToTag(LocalTag);
        _agent.AddContactAndAllow(response, Invite.Remote.Protocol);
        _agent.NegotiateSessionTimer(Invite.Request, response, call);
        response.Headers.Add("Content-Type", "application/sdp");
        response.BodyText = sdpAnswer;
        await _agent.AnswerAsync(call, Invite, response).ConfigureAwait(false);
        return call;
    }

    /// <summary>Rejects the call (486 Busy, 488 Not Acceptable Here, 603 Decline...).</summary>
    public ValueTask RejectAsync(int statusCode, string? reason = null)
    {
        Interlocked.Exchange(ref _answered, 1);
        return Invite.RespondAsync(statusCode, reason, LocalTag);
    }

    internal async Task CancelAsync()
    {
        if (Interlocked.Exchange(ref _answered, 1) == 0)
        {
            await _cancelled.CancelAsync().ConfigureAwait(false);
            await Invite.RespondAsync(487, toTag: LocalTag).ConfigureAwait(false);
        }
    }
}
