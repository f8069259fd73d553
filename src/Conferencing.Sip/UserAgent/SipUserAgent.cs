using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Conferencing.Sip.Auth;
using Conferencing.Sip.Dialogs;
using Conferencing.Sip.Stack;
using Conferencing.Sip.Transport;

namespace Conferencing.Sip.UserAgent;

/// <summary>
/// A user agent on top of <see cref="SipStack"/>: places and answers calls, keeps their dialogs,
/// registers and is a small registrar, answers OPTIONS, challenges with digest where configured, and
/// runs RFC 4028 session timers. Small enough that a B2BUA leg or a simulated room system is a few
/// lines on top of it.
/// </summary>
public sealed partial class SipUserAgent : ISipRequestHandler, IAsyncDisposable
{
    /// <summary>The methods we answer.</summary>
    public const string Allow = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REGISTER";

    /// <summary>The option tags we support (RFC 4028 session timers); a Require of anything else gets 420.</summary>
    public const string SupportedExtensions = "timer";

    private static readonly HashSet<string> Methods = new(Allow.Split(", "), StringComparer.Ordinal);

    private static readonly string[] Supported = SupportedExtensions.Split(", ");

    private readonly ConcurrentDictionary<string, SipCall> _calls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IncomingCall> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SipRegistration> _registrations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SipRequest> _lastAcks = new(StringComparer.Ordinal);

    /// <summary>Failed-authentication answers held back at most at once; beyond it they are refused at once with 403.</summary>
    private const int MaxHeldAnswers = 512;

    private int _heldAnswers;

    /// <summary>Starts the stack and the agent.</summary>
    public SipUserAgent(SipUserAgentOptions options)
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
        Stack = new SipStack(options.Stack);
        Stack.SetHandler(this);
    }

    /// <summary>The settings.</summary>
    public SipUserAgentOptions Options { get; }

    /// <summary>The stack underneath.</summary>
    public SipStack Stack { get; }

    /// <summary>The clock.</summary>
    public TimeProvider Time => Options.Stack.Time;

    /// <summary>Calls in progress.</summary>
    public IReadOnlyCollection<SipCall> Calls => _calls.Values.ToList();

    /// <summary>Current registrations held by our registrar.</summary>
    public IReadOnlyCollection<SipRegistration> Registrations => _registrations.Values.Where(r => r.ExpiresUtc > Time.GetUtcNow()).ToList();

    /// <summary>
    /// Drops the binding a digest user holds (its account was removed), raising
    /// <see cref="RegistrationChanged"/>. False when it held none.
    /// </summary>
    public bool RemoveRegistration(string username)
    {
        ArgumentNullException.ThrowIfNull(username);
        if (!_registrations.TryRemove("user:" + username, out var removed))
        {
            return false;
        }

        RegistrationChanged?.Invoke(removed, false);
        return true;
    }

    /// <summary>
    /// Takes back a binding this registrar (or another registrar for the same rooms) accepted before,
    /// as read from wherever it was kept, without raising <see cref="RegistrationChanged"/>: a standby
    /// that takes over the registrar knows every room's address before the room refreshes. A lapsed
    /// binding, or one when the registrar is full, is not taken (false).
    /// </summary>
    public bool RestoreRegistration(SipRegistration binding)
    {
        ArgumentNullException.ThrowIfNull(binding);
        if (binding.ExpiresUtc <= Time.GetUtcNow())
        {
            return false;
        }

        var key = binding.Username is { } user ? "user:" + user : "aor:" + binding.AddressOfRecord;
        if (!_registrations.ContainsKey(key) && _registrations.Count >= Options.MaxRegistrations)
        {
            return false;
        }

        _registrations[key] = binding;
        return true;
    }

    /// <summary>Decides what to do with an incoming call. Without a handler calls are refused with 480.</summary>
    public Func<IncomingCall, Task>? OnIncomingCall { get; set; }

    /// <summary>Raised when a registration is added, refreshed or removed.</summary>
    public event Action<SipRegistration, bool>? RegistrationChanged;

    /// <summary>A URI for our own address on a protocol, for Contact and From.</summary>
    public SipUri LocalUri(SipProtocol protocol = SipProtocol.Udp)
    {
        var local = Stack.LocalEndPoint(protocol);
        var uri = SipUri.Create(Options.User, local.Address);
        if (protocol == SipProtocol.Tcp)
        {
            uri.Parameters.Set("transport", "tcp");
        }

        return uri;
    }

    /// <summary>Sends OPTIONS out of dialog and returns the final response (408 on timeout).</summary>
    public Task<SipResponse> OptionsAsync(SipUri target, SipEndPoint destination, CancellationToken cancellationToken = default)
    {
        var request = NewRequest("OPTIONS", target, new NameAddress(target), destination.Protocol);
        request.Headers.Add("Accept", "application/sdp");
        return SendWithAuthAsync(request, destination, null, cancellationToken);
    }

    /// <summary>Registers our contact with a registrar (answering a digest challenge with <see cref="SipUserAgentOptions.Credentials"/>).</summary>
    public Task<SipResponse> RegisterAsync(SipUri registrar, SipEndPoint destination, TimeSpan expires, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registrar);
        var aor = SipUri.Create(Options.User, registrar.Host, registrar.Port);
        var request = NewRequest("REGISTER", registrar, new NameAddress(aor), destination.Protocol, fromUri: aor);
        request.Headers.Add("Contact", new NameAddress(LocalUri(destination.Protocol)).ToString());
        request.Headers.Add("Expires", ((int)expires.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        return SendWithAuthAsync(request, destination, null, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var call in _calls.Values)
        {
            call.End(new CallEnd(true, "shutdown"));
        }

        await Stack.DisposeAsync().ConfigureAwait(false);
    }

    internal void Forget(SipCall call)
    {
        _calls.TryRemove(call.Dialog.Id, out _);
        _lastAcks.TryRemove(call.Dialog.Id, out _);
    }

    /// <summary>Sends an in-dialog request to the call's peer (answering a challenge if one comes).</summary>
    internal Task<SipResponse> SendInDialogAsync(SipCall call, SipRequest request, CancellationToken cancellationToken) =>
        SendWithAuthAsync(request, DestinationOf(call.Dialog), call, cancellationToken);

    /// <summary>Sends an in-dialog request and gives the final response with the request that got it.</summary>
    internal Task<(SipResponse Response, SipRequest Sent)> ExchangeInDialogAsync(SipCall call, SipRequest request, CancellationToken cancellationToken) =>
        ExchangeAsync(request, DestinationOf(call.Dialog), call, cancellationToken);

    /// <summary>The ACK of a 2xx is end-to-end, outside any transaction (13.2.2.4); it is kept for 2xx retransmissions.</summary>
    internal async Task AckAsync(SipCall call, SipRequest invite, SipResponse response)
    {
        var ack = call.Dialog.CreateRequest("ACK", invite.CSeq!.Value.Number);
        foreach (var auth in new[] { "Authorization", "Proxy-Authorization" })
        {
            ack.Headers.CopyFrom(invite.Headers, auth);
        }

        _lastAcks[call.Dialog.Id] = ack;
        await Stack.SendStatelessAsync(ack, DestinationOf(call.Dialog)).ConfigureAwait(false);
        _ = response;
    }

    internal void AddContactAndAllow(SipMessage message, SipProtocol protocol)
    {
        message.Headers.Set("Contact", new NameAddress(LocalUri(protocol)).ToString());
        message.Headers.Set("Allow", Allow);
        message.Headers.Set("Supported", SupportedExtensions);
    }

    internal void AddSessionHeaders(SipRequest request, SipCall? call)
    {
        AddContactAndAllow(request, (call?.Dialog.Peer ?? Stack.UdpEndPoint).Protocol);
        var interval = call?.SessionInterval ?? Options.SessionExpires;
        var refresher = call is null ? "" : (call.WeRefresh == call.Outgoing ? ";refresher=uac" : ";refresher=uas");
        request.Headers.Set("Session-Expires", ((int)interval.TotalSeconds).ToString(CultureInfo.InvariantCulture) + refresher);
        request.Headers.Set("Min-SE", ((int)Options.MinSessionExpires.TotalSeconds).ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Where requests in a dialog go: the remote target when it is an IP literal (room systems on the
    /// province network have no DNS names), else the address the dialog was set up with.
    /// </summary>
    private static SipEndPoint DestinationOf(SipDialog dialog)
    {
        var target = dialog.RouteSet.Count > 0 && dialog.RouteSet[0].Uri.Parameters.Contains("lr") ? dialog.RouteSet[0].Uri : dialog.RemoteTarget;
        var protocol = string.Equals(target.Parameters["transport"], "tcp", StringComparison.OrdinalIgnoreCase) ? SipProtocol.Tcp : dialog.Peer.Protocol;
        return IPAddress.TryParse(target.HostWithoutBrackets, out var address)
            ? new SipEndPoint(protocol, new IPEndPoint(address, target.Port ?? 5060))
            : dialog.Peer;
    }

    private SipRequest NewRequest(string method, SipUri requestUri, NameAddress to, SipProtocol protocol, SipUri? fromUri = null)
    {
        var request = new SipRequest(method, requestUri);
        var from = new NameAddress(fromUri ?? LocalUri(protocol), Options.DisplayName) { Tag = SipRequest.NewTag() };
        request.Headers.Add("From", from.ToString());
        request.Headers.Add("To", to.ToString());
        request.Headers.Add("Call-ID", SipRequest.NewCallId(Stack.LocalEndPoint(protocol).Address.Address.ToString()));
        request.Headers.Add("CSeq", new CSeqHeader(1, method).ToString());
        return request;
    }

    /// <summary>
    /// Sends a request, and once more for each refusal <see cref="RetryFor"/> knows how to mend: a
    /// digest challenge (22.2) or a session interval below the peer's minimum (RFC 4028 7.4).
    /// </summary>
    private async Task<SipResponse> SendWithAuthAsync(SipRequest request, SipEndPoint destination, SipCall? call, CancellationToken cancellationToken, Action<SipResponse>? provisional = null) =>
        (await ExchangeAsync(request, destination, call, cancellationToken, provisional).ConfigureAwait(false)).Response;

    /// <summary>As <see cref="SendWithAuthAsync"/>, also giving the request that got the final response (its CSeq is what an ACK needs).</summary>
    private async Task<(SipResponse Response, SipRequest Sent)> ExchangeAsync(SipRequest request, SipEndPoint destination, SipCall? call, CancellationToken cancellationToken, Action<SipResponse>? provisional = null)
    {
        var response = await Stack.SendRequestAsync(request, destination, provisional, cancellationToken).ConfigureAwait(false);
        var retries = new Retries();
        while (RetryFor(request, response, call, retries) is { } retry)
        {
            request = retry;
            response = await Stack.SendRequestAsync(retry, destination, provisional, cancellationToken).ConfigureAwait(false);
        }

        return (response, request);
    }

    /// <summary>
    /// The request to send instead of one that was refused, or null to accept the refusal. Each repair
    /// is tried once: 401/407 answered with the topmost challenge whose algorithm we speak (RFC 8760
    /// 2.4), 422 with Session-Expires raised to the Min-SE it names (RFC 4028 7.4). The retry keeps the
    /// Call-ID and From tag and takes the next CSeq (in a dialog, the dialog's next).
    /// </summary>
    private SipRequest? RetryFor(SipRequest sent, SipResponse response, SipCall? call, Retries retries)
    {
        SipRequest Copy()
        {
            var retry = call is not null ? call.Dialog.CreateRequest(sent.Method) : CloneForRetry(sent);
            foreach (var header in sent.Headers.Where(h => h.Name is "Content-Type" or "Contact" or "Expires" or "Accept" or "Allow" or "Supported" or "Session-Expires" or "Min-SE" or "Reason"))
            {
                retry.Headers.Set(header.Name, header.Value);
            }

            retry.Body = sent.Body;
            return retry;
        }

        SipRequest Authorized(SipRequest retry)
        {
            // A later retry (after a 422) answers the same challenge again with the next nonce count.
            if (retries.Challenge is { } challenge)
            {
                var answer = retries.Client!.Answer(challenge, retry.Method, retry.RequestUri.ToString(), retry.Body.Span);
                retry.Headers.Set(retries.AuthorizationHeader!, answer.ToString());
            }

            return retry;
        }

        switch (response.StatusCode)
        {
            case 401 or 407 when retries.Challenge is null && Options.Credentials is { } credentials:
            {
                var header = response.StatusCode == 401 ? "WWW-Authenticate" : "Proxy-Authenticate";
                DigestChallenge? challenge = null;
                foreach (var offered in response.Headers.GetAll(header))
                {
                    if (DigestChallenge.TryParse(offered, out challenge, out _))
                    {
                        break;
                    }
                }

                if (challenge is null)
                {
                    return null;
                }

                retries.Challenge = challenge;
                retries.Client = new DigestClient(credentials.UserName, credentials.Password);
                retries.AuthorizationHeader = response.StatusCode == 401 ? "Authorization" : "Proxy-Authorization";
                return Authorized(Copy());
            }

            case 422 when !retries.IntervalRaised && sent.Method is "INVITE" or "UPDATE" && TryReadSessionExpires(response.Headers["Min-SE"], out var minimum, out _):
            {
                retries.IntervalRaised = true;
                var retry = Copy();
                var refresher = TryReadSessionExpires(sent.Headers["Session-Expires"], out _, out var named) && named is not null ? ";refresher=" + named : "";
                var seconds = ((int)minimum.TotalSeconds).ToString(CultureInfo.InvariantCulture);
                retry.Headers.Set("Session-Expires", seconds + refresher);
                retry.Headers.Set("Min-SE", seconds);
                return Authorized(retry);
            }

            default:
                return null;
        }
    }

    /// <summary>What has been tried for one request, so that each repair happens once.</summary>
    private sealed class Retries
    {
        public DigestChallenge? Challenge { get; set; }

        public DigestClient? Client { get; set; }

        public string? AuthorizationHeader { get; set; }

        public bool IntervalRaised { get; set; }
    }

    private static SipRequest CloneForRetry(SipRequest request)
    {
        var retry = new SipRequest(request.Method, request.RequestUri.Clone());
        retry.Headers.CopyFrom(request.Headers, "From");
        retry.Headers.CopyFrom(request.Headers, "To");
        retry.Headers.CopyFrom(request.Headers, "Call-ID");
        retry.Headers.Add("CSeq", new CSeqHeader(request.CSeq!.Value.Number + 1, request.Method).ToString());
        retry.Headers.CopyFrom(request.Headers, "Route");
        return retry;
    }
}
