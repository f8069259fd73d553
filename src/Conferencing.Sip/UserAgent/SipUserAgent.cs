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
    private readonly ConcurrentDictionary<string, SipRegistration> _registrations = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, SipRequest> _lastAcks = new(StringComparer.Ordinal);

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
    /// Sends a request; on 401/407 answers the challenge once with our credentials (22.2), with the
    /// same Call-ID and From tag and the next CSeq.
    /// </summary>
    private async Task<SipResponse> SendWithAuthAsync(SipRequest request, SipEndPoint destination, SipCall? call, CancellationToken cancellationToken, Action<SipResponse>? provisional = null)
    {
        var response = await Stack.SendRequestAsync(request, destination, provisional, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is not (401 or 407) || Options.Credentials is not { } credentials)
        {
            return response;
        }

        var challengeHeader = response.StatusCode == 401 ? "WWW-Authenticate" : "Proxy-Authenticate";
        if (!DigestChallenge.TryParse(response.Headers[challengeHeader], out var challenge, out _))
        {
            return response;
        }

        var retry = call is not null ? call.Dialog.CreateRequest(request.Method) : CloneForRetry(request);
        foreach (var header in request.Headers.Where(h => h.Name is "Content-Type" or "Contact" or "Expires" or "Accept" or "Allow" or "Supported" or "Session-Expires" or "Min-SE"))
        {
            retry.Headers.Set(header.Name, header.Value);
        }

        retry.Body = request.Body;
        var client = new DigestClient(credentials.UserName, credentials.Password);
        var answer = client.Answer(challenge, retry.Method, retry.RequestUri.ToString(), retry.Body.Span);
        retry.Headers.Set(response.StatusCode == 401 ? "Authorization" : "Proxy-Authorization", answer.ToString());
        return await Stack.SendRequestAsync(retry, destination, provisional, cancellationToken).ConfigureAwait(false);
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
