using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Conferencing.Sip.Transactions;
using Conferencing.Sip.Transport;

namespace Conferencing.Sip.Stack;

/// <summary>A request received by the stack, with the way to answer it through its server transaction.</summary>
public sealed class IncomingRequest
{
    private readonly ServerTransaction? _transaction;
    private readonly SipStack _stack;

    internal IncomingRequest(SipStack stack, SipRequest request, SipEndPoint remote, ServerTransaction? transaction)
    {
        _stack = stack;
        Request = request;
        Remote = remote;
        _transaction = transaction;
    }

    /// <summary>The request.</summary>
    public SipRequest Request { get; }

    /// <summary>Where it came from.</summary>
    public SipEndPoint Remote { get; }

    /// <summary>The status of the last response sent, 0 before any.</summary>
    public int AnsweredWith => _transaction?.LastStatusCode ?? 0;

    /// <summary>Sends a response through the server transaction (or statelessly for ACK, which has none).</summary>
    public ValueTask RespondAsync(SipResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (!response.Headers.Contains("Server"))
        {
            response.Headers.Add("Server", _stack.Options.Product);
        }

        var bytes = response.ToBytes();
        if (_transaction is null)
        {
            return _stack.SendResponseBytesAsync(response, Remote, bytes);
        }

        _transaction.SendResponse(response.StatusCode, bytes);
        return ValueTask.CompletedTask;
    }

    /// <summary>Answers with a plain response built from the request.</summary>
    public ValueTask RespondAsync(int statusCode, string? reason = null, string? toTag = null)
    {
        var response = SipResponse.CreateFor(Request, statusCode, reason);
        if (toTag is not null && statusCode > 100)
        {
            response.WithToTag(toTag);
        }

        return RespondAsync(response);
    }
}

/// <summary>What the layer above the stack implements.</summary>
public interface ISipRequestHandler
{
    /// <summary>A new request (not a retransmission, not an ACK, not a CANCEL).</summary>
    Task OnRequestAsync(IncomingRequest request);

    /// <summary>An ACK that no transaction absorbed: the ACK of a 2xx, for the dialog.</summary>
    Task OnAckAsync(SipRequest ack, SipEndPoint remote);

    /// <summary>A CANCEL matched a pending INVITE; the stack already answered the CANCEL with 200.</summary>
    Task OnCancelAsync(IncomingRequest invite);

    /// <summary>A 2xx to INVITE that arrived after its transaction ended: re-send the ACK.</summary>
    Task OnStrayResponseAsync(SipResponse response, SipEndPoint remote);
}

/// <summary>
/// The transport and transaction layers (RFC 3261 17, 18) under one object: it parses what arrives,
/// answers malformed requests with 400 and drops malformed responses, matches responses and request
/// retransmissions to transactions (17.1.3, 17.2.3), handles CANCEL, and runs client transactions for
/// the requests the layer above sends.
/// </summary>
public sealed partial class SipStack : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ClientEntry> _clients = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ServerEntry> _servers = new(StringComparer.Ordinal);

    // Server transaction keys in the order they began, for dropping the oldest finished ones.
    private readonly ConcurrentQueue<string> _serverOrder = new();
    private readonly SipTransport _transport;
    private ISipRequestHandler? _handler;
    private long _malformed;

    /// <summary>Starts listening.</summary>
    public SipStack(SipStackOptions options)
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
        _transport = new SipTransport(options.Bind, OnPacketAsync, options.EnableTcp, (remote, error) => MalformedReceived?.Invoke(remote, error),
            options.IncompleteMessageTimeout, options.Time, options.TransportLimits());
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxServerTransactions, 1, nameof(options));
    }

    /// <summary>The options in force.</summary>
    public SipStackOptions Options { get; }

    /// <summary>The UDP listening endpoint.</summary>
    public SipEndPoint UdpEndPoint => _transport.UdpEndPoint;

    /// <summary>The TCP listening endpoint, when on.</summary>
    public SipEndPoint? TcpEndPoint => _transport.TcpEndPoint;

    /// <summary>Messages dropped or refused as malformed.</summary>
    public long MalformedCount => Interlocked.Read(ref _malformed);

    /// <summary>Server transactions held now.</summary>
    public int ServerTransactions => _servers.Count;

    /// <summary>The transport underneath (for its connection figures).</summary>
    public SipTransport Transport => _transport;

    /// <summary>Raised for every malformed message or broken stream, with the reason (for logging).</summary>
    public event Action<SipEndPoint, string>? MalformedReceived;

    /// <summary>Sets who receives requests.</summary>
    public void SetHandler(ISipRequestHandler handler) => _handler = handler ?? throw new ArgumentNullException(nameof(handler));

    /// <summary>The endpoint on our side for a protocol.</summary>
    public SipEndPoint LocalEndPoint(SipProtocol protocol) => protocol == SipProtocol.Tcp && TcpEndPoint is { } tcp ? tcp : UdpEndPoint;

    /// <summary>
    /// Sends a request in a new client transaction and returns its final response. Provisional
    /// responses go to <paramref name="provisional"/>. A timeout gives a synthetic 408, a transport
    /// failure a synthetic 503 (RFC 3261 8.1.3.1), so callers handle one kind of outcome.
    /// The stack adds the top Via (with a new branch and rport) and Max-Forwards when missing.
    /// </summary>
    public Task<SipResponse> SendRequestAsync(SipRequest request, SipEndPoint destination, Action<SipResponse>? provisional = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var branch = SipRequest.NewBranch();
        var local = LocalEndPoint(destination.Protocol);
        request.Headers.AddFirst("Via", new ViaHeader(destination.ViaTransport, local.Address.Address.ToString(), local.Address.Port, branch) { Parameters = { { "rport", null } } }.ToString());
        return RunClientTransactionAsync(request, branch, destination, provisional, cancellationToken);
    }

    /// <summary>Sends a CANCEL built with the INVITE's own top Via (9.1) in its own non-INVITE transaction.</summary>
    public Task<SipResponse> SendCancelAsync(SipRequest cancel, SipEndPoint destination)
    {
        ArgumentNullException.ThrowIfNull(cancel);
        var branch = cancel.TopVia?.Branch ?? throw new ArgumentException("A CANCEL carries the INVITE's Via.", nameof(cancel));
        return RunClientTransactionAsync(cancel, branch, destination, null, CancellationToken.None);
    }

    private async Task<SipResponse> RunClientTransactionAsync(SipRequest request, string branch, SipEndPoint destination, Action<SipResponse>? provisional, CancellationToken cancellationToken)
    {
        if (!request.Headers.Contains("Max-Forwards"))
        {
            request.Headers.Add("Max-Forwards", "70");
        }

        if (!request.Headers.Contains("User-Agent"))
        {
            request.Headers.Add("User-Agent", Options.Product);
        }

        var method = request.Method;
        var completion = new TaskCompletionSource<SipResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        var user = new ClientUser(request, completion, provisional, response => _ = _handler?.OnStrayResponseAsync(response, destination));
        var transaction = new ClientTransaction<SipResponse>(
            method == "INVITE", request.ToBytes(), destination.IsReliable, Options.Time, Options.Timers,
            bytes => _transport.SendAsync(destination, bytes), method == "INVITE" ? r => BuildNon2xxAck(request, r).ToBytes() : null, user);
        var key = ClientKey(branch, method);
        _clients[key] = new ClientEntry(transaction, destination);
        transaction.Terminated += () => _clients.TryRemove(key, out _);
        await using var registration = cancellationToken.Register(() =>
        {
            // The caller stopped waiting: stop retransmitting too.
            if (completion.TrySetCanceled(cancellationToken))
            {
                transaction.Dispose();
                _clients.TryRemove(key, out _);
            }
        }).ConfigureAwait(false);
        transaction.Start();
        return await completion.Task.ConfigureAwait(false);
    }

    /// <summary>Sends a message outside any transaction: the ACK of a 2xx, or a 2xx retransmission.</summary>
    public ValueTask SendStatelessAsync(SipMessage message, SipEndPoint destination)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message is SipRequest request && request.TopVia is null)
        {
            var local = LocalEndPoint(destination.Protocol);
            request.Headers.AddFirst("Via", new ViaHeader(destination.ViaTransport, local.Address.Address.ToString(), local.Address.Port, SipRequest.NewBranch()) { Parameters = { { "rport", null } } }.ToString());
            if (!request.Headers.Contains("Max-Forwards"))
            {
                request.Headers.Add("Max-Forwards", "70");
            }
        }

        return _transport.SendAsync(destination, message.ToBytes());
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var entry in _clients.Values)
        {
            entry.Transaction.Dispose();
        }

        foreach (var entry in _servers.Values)
        {
            entry.Transaction.Dispose();
        }

        await _transport.DisposeAsync().ConfigureAwait(false);
    }

    internal ValueTask SendResponseBytesAsync(SipResponse response, SipEndPoint remote, ReadOnlyMemory<byte> bytes) =>
        _transport.SendAsync(ResponseDestination(response, remote), bytes);

    /// <summary>
    /// Where a response goes (18.2.2, RFC 3581): back over the same connection on TCP; on UDP to the
    /// source address and port when the Via asked for rport, else to received address and sent-by port.
    /// </summary>
    private SipEndPoint ResponseDestination(SipResponse response, SipEndPoint remote)
    {
        if (remote.IsReliable || Options.ForceRport || response.TopVia is not { } via || via.Parameters.Contains("rport"))
        {
            return remote;
        }

        return remote with { Address = new IPEndPoint(remote.Address.Address, via.Port ?? 5060) };
    }

    private static string ClientKey(string branch, string method) => branch + "|" + (method == "ACK" ? "INVITE" : method);

    /// <summary>
    /// The server transaction a request belongs to (17.2.3): branch, sent-by and method when the branch
    /// carries the RFC 3261 cookie; otherwise (an RFC 2543 peer, RFC 4475 3.4.1) Request-URI, From tag,
    /// Call-ID, CSeq number, top Via and method, with the To tag too except for INVITE and its ACK,
    /// whose To tag only the response gave.
    /// </summary>
    private static string ServerKey(SipRequest request, string method)
    {
        var via = request.TopVia!;
        var kind = method is "ACK" ? "INVITE" : method;
        if (via.Branch is { } branch && branch.StartsWith(ViaHeader.BranchCookie, StringComparison.Ordinal))
        {
            return branch + "|" + via.SentBy + "|" + kind;
        }

        var toTag = kind == "INVITE" ? "" : request.To?.Tag;
        return string.Join('|', "2543", request.RequestUri.ToString(), request.From?.Tag, toTag, request.CallId,
            request.CSeq?.Number.ToString(CultureInfo.InvariantCulture), via.SentBy, via.Branch, kind);
    }

    /// <summary>The ACK of a non-2xx final (17.1.1.3): same Request-URI, top Via, From, Call-ID, CSeq number; To from the response.</summary>
    private static SipRequest BuildNon2xxAck(SipRequest invite, SipResponse response)
    {
        var ack = new SipRequest("ACK", invite.RequestUri.Clone());
        ack.Headers.Add("Via", invite.Headers.GetAll("Via")[0]);
        ack.Headers.Add("Max-Forwards", "70");
        ack.Headers.CopyFrom(invite.Headers, "From");
        ack.Headers.CopyFrom(response.Headers, "To");
        ack.Headers.CopyFrom(invite.Headers, "Call-ID");
        ack.Headers.Add("CSeq", new CSeqHeader(invite.CSeq!.Value.Number, "ACK").ToString());
        ack.Headers.CopyFrom(invite.Headers, "Route");
        return ack;
    }

    private sealed record ClientEntry(ClientTransaction<SipResponse> Transaction, SipEndPoint Destination);

    private sealed record ServerEntry(ServerTransaction Transaction, IncomingRequest Request);

    private sealed class ClientUser(SipRequest request, TaskCompletionSource<SipResponse> completion, Action<SipResponse>? provisional, Action<SipResponse> retransmitted2xx) : IClientTransactionUser<SipResponse>
    {
        public void OnResponse(int statusCode, SipResponse response)
        {
            if (statusCode < 200)
            {
                provisional?.Invoke(response);
            }
            else if (!completion.TrySetResult(response) && statusCode < 300)
            {
                // A 2xx retransmission within the Accepted state: the caller's dialog re-ACKs it.
                retransmitted2xx(response);
            }
        }

        public void OnFailure(TransactionFailure failure)
        {
            var synthetic = SipResponse.CreateFor(request, failure == TransactionFailure.Timeout ? 408 : 503,
                failure == TransactionFailure.Timeout ? "Request Timeout (no response)" : "Service Unavailable (transport error)");
            completion.TrySetResult(synthetic);
        }
    }
}
