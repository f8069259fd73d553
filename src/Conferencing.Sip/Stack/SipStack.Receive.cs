using System.Globalization;
using Conferencing.Sip.Transactions;
using Conferencing.Sip.Transport;

namespace Conferencing.Sip.Stack;

public sealed partial class SipStack
{
    private async ValueTask OnPacketAsync(SipPacket packet)
    {
        if (packet.Data.Length > Options.MaxMessageBytes)
        {
            // Only a datagram gets here (the stream framing closes the connection first): 413 if it
            // names where an answer goes (RFC 3261 21.4.11), else dropped.
            Malformed(packet.Remote, $"a message of {packet.Data.Length} bytes is larger than the {Options.MaxMessageBytes} accepted");
            if (SipMessage.ParseForReply(packet.Data.Span) is { } tooLarge)
            {
                await RefuseAsync(tooLarge, packet.Remote, 413, null).ConfigureAwait(false);
            }

            return;
        }

        if (!SipMessage.TryParse(packet.Data.Span, out var message, out var error))
        {
            Malformed(packet.Remote, error);

            // A request whose Request-Line or Content-Length is broken still names where an answer
            // goes: it gets a 400 (RFC 4475 3.1.2.2-3.1.2.10, 3.3.9). Anything else is dropped (16.3, 18.3).
            if (SipMessage.ParseForReply(packet.Data.Span) is { } broken)
            {
                await RefuseAsync(broken, packet.Remote, 400, error).ConfigureAwait(false);
            }

            return;
        }

        if (message is SipResponse response)
        {
            OnResponse(response, packet.Remote);
            return;
        }

        var request = (SipRequest)message;
        if (request.Validate() is { } problem)
        {
            Malformed(packet.Remote, problem);

            // 8.2.1 before 8.2.2: a method we do not know is not implemented, whatever else is wrong (RFC 4475 3.1.2.18).
            await RefuseAsync(request, packet.Remote, SipMethods.IsKnown(request.Method) ? 400 : 501, problem).ConfigureAwait(false);
            return;
        }

        if (!string.Equals(request.Version, SipMessage.SipVersion, StringComparison.OrdinalIgnoreCase))
        {
            await RefuseAsync(request, packet.Remote, 505, null).ConfigureAwait(false);
            return;
        }

        if (request.TopVia!.Branch is ViaHeader.BranchCookie)
        {
            // The cookie promises an RFC 3261 transaction identifier and none follows: refuse statelessly,
            // since this sender's other requests are likely as broken (RFC 4475 3.2.1).
            Malformed(packet.Remote, "Via branch is the magic cookie alone");
            await RefuseAsync(request, packet.Remote, 400, "Missing transaction identifier in the Via branch").ConfigureAwait(false);
            return;
        }

        StampReceived(request, packet.Remote);
        await OnRequestAsync(request, packet.Remote).ConfigureAwait(false);
    }

    private async Task OnRequestAsync(SipRequest request, SipEndPoint remote)
    {
        var via = request.TopVia!;
        var handler = _handler;
        if (request.Method == "ACK")
        {
            if (_servers.TryGetValue(ServerKey(request, "ACK"), out var invite) && !invite.Transaction.OnAck())
            {
                return;
            }

            if (handler is not null)
            {
                await handler.OnAckAsync(request, remote).ConfigureAwait(false);
            }

            return;
        }

        var key = ServerKey(request, request.Method);
        if (_servers.TryGetValue(key, out var existing))
        {
            existing.Transaction.OnRequestRetransmission();
            return;
        }

        if (_servers.Count >= Options.MaxServerTransactions && !DropFinishedServerTransactions())
        {
            // Every slot holds a transaction still being answered: refuse statelessly, as an overloaded
            // element does (21.5.4), rather than grow without bound.
            await RefuseAsync(request, remote, 503, "too many transactions").ConfigureAwait(false);
            return;
        }

        var transaction = new ServerTransaction(request.Method == "INVITE", remote.IsReliable, Options.Time, Options.Timers,
            bytes => _transport.SendAsync(remote, bytes));
        var incoming = new IncomingRequest(this, request, remote, transaction);
        if (!_servers.TryAdd(key, new ServerEntry(transaction, incoming)))
        {
            _servers[key].Transaction.OnRequestRetransmission();
            return;
        }

        transaction.Terminated += () => _servers.TryRemove(key, out _);
        _serverOrder.Enqueue(key);
        if (_serverOrder.Count > (2 * Options.MaxServerTransactions) + 64)
        {
            CompactServerOrder();
        }

        if (request.Method == "CANCEL")
        {
            await OnCancelAsync(incoming, handler).ConfigureAwait(false);
            return;
        }

        if (handler is null)
        {
            await incoming.RespondAsync(503, "Not Ready").ConfigureAwait(false);
            return;
        }

        if (request.Method == "INVITE")
        {
            // 17.2.1: a server transaction answers INVITE with 100 at once, so the client stops retransmitting.
            await incoming.RespondAsync(100).ConfigureAwait(false);
        }

        await handler.OnRequestAsync(incoming).ConfigureAwait(false);
    }

    private async Task OnCancelAsync(IncomingRequest cancel, ISipRequestHandler? handler)
    {
        // 9.2: the CANCEL carries the INVITE's branch (or, from an RFC 2543 peer, its other identifiers),
        // so it finds the INVITE's server transaction.
        if (!_servers.TryGetValue(ServerKey(cancel.Request, "INVITE"), out var invite) || invite.Transaction.State is not TransactionState.Proceeding)
        {
            await cancel.RespondAsync(481).ConfigureAwait(false);
            return;
        }

        await cancel.RespondAsync(200).ConfigureAwait(false);
        if (handler is not null)
        {
            await handler.OnCancelAsync(invite.Request).ConfigureAwait(false);
        }
    }

    private void OnResponse(SipResponse response, SipEndPoint remote)
    {
        if (response.TopVia is not { Branch: { } branch } || response.CSeq is not { } cseq || response.CallId is null)
        {
            Malformed(remote, "response without a Via branch, CSeq or Call-ID");
            return;
        }

        if (response.Headers.GetAll("Via").Count > 1)
        {
            // We send every request with one Via, so a response with more was not meant for us, and
            // following it could aim us at anything, 255.255.255.255 included (8.1.3.3, RFC 4475 3.3.10).
            Malformed(remote, "response with more than one Via");
            return;
        }

        if (_clients.TryGetValue(ClientKey(branch, cseq.Method), out var client))
        {
            client.Transaction.OnResponse(response.StatusCode, response);
            return;
        }

        if (cseq.Method == "INVITE" && response.IsSuccess && _handler is { } handler)
        {
            _ = handler.OnStrayResponseAsync(response, remote);
        }
    }

    /// <summary>RFC 3581 and 18.2.1: record where the request really came from in its top Via.</summary>
    private void StampReceived(SipRequest request, SipEndPoint remote)
    {
        var via = request.TopVia!;
        var changed = false;
        if (Options.ForceRport && !via.Parameters.Contains("rport"))
        {
            via.Parameters.Add("rport", null);
        }

        if (via.Parameters.Contains("rport") && via.Parameters["rport"] is null)
        {
            via.Parameters.Set("rport", remote.Address.Port.ToString(CultureInfo.InvariantCulture));
            changed = true;
        }

        var source = remote.Address.Address.ToString();
        if (changed || !string.Equals(via.Host.Trim('[', ']'), source, StringComparison.OrdinalIgnoreCase))
        {
            via.Parameters.Set("received", source);
            changed = true;
        }

        if (changed)
        {
            var vias = request.Headers.GetAll("Via").ToList();
            vias[0] = via.ToString();
            request.Headers.Remove("Via");
            foreach (var value in vias)
            {
                request.Headers.Add("Via", value);
            }
        }
    }

    /// <summary>
    /// Answers a request the stack refuses before any transaction exists, statelessly: a retransmission
    /// is refused again. Needs a Via header (a broken one is answered to the packet's source); an
    /// ACK is never answered.
    /// </summary>
    private ValueTask RefuseAsync(SipRequest request, SipEndPoint remote, int status, string? reason)
    {
        if (request.Method == "ACK" || request.Headers.GetAll("Via").Count == 0)
        {
            return ValueTask.CompletedTask;
        }

        // With a Via we cannot read, the answer goes back where the request came from (as with rport).
        if (request.TopVia is not null)
        {
            StampReceived(request, remote);
        }

        var response = SipResponse.CreateFor(request, status, reason is null ? null : SipResponse.DefaultReason(status) + " (" + Shorten(reason) + ")");
        response.WithToTag(SipRequest.NewTag());
        response.Headers.Add("Server", Options.Product);
        return SendResponseBytesAsync(response, remote, response.ToBytes());
    }

    private static string Shorten(string reason)
    {
        // A reason phrase is one line of text: keep it short and free of line breaks.
        var line = reason.ReplaceLineEndings(" ");
        return line.Length <= 120 ? line : line[..117] + "...";
    }

    /// <summary>
    /// Drops the oldest finished non-INVITE server transactions (answered, only absorbing retransmissions) to make
    /// room; one still waiting for its answer is kept. True when there is room now. A request
    /// retransmitted after its transaction was dropped is handled again, which for REGISTER and
    /// OPTIONS is harmless.
    /// </summary>
    private bool DropFinishedServerTransactions()
    {
        var budget = Math.Min(_serverOrder.Count, 256);
        for (var i = 0; i < budget && _servers.Count >= Options.MaxServerTransactions; i++)
        {
            if (!_serverOrder.TryDequeue(out var key) || !_servers.TryGetValue(key, out var entry))
            {
                continue;
            }

            // An INVITE transaction is never dropped: its retransmission would look like a new call.
            if (entry.Transaction.IsInvite || entry.Transaction.State is TransactionState.Trying or TransactionState.Proceeding)
            {
                _serverOrder.Enqueue(key);
                continue;
            }

            if (_servers.TryRemove(new KeyValuePair<string, ServerEntry>(key, entry)))
            {
                entry.Transaction.Dispose();
            }
        }

        return _servers.Count < Options.MaxServerTransactions;
    }

    /// <summary>Forgets the keys of transactions that ended on their own, so the order queue stays bounded.</summary>
    private void CompactServerOrder()
    {
        lock (_serverOrder)
        {
            for (var n = _serverOrder.Count; n > 0 && _serverOrder.TryDequeue(out var key); n--)
            {
                if (_servers.ContainsKey(key))
                {
                    _serverOrder.Enqueue(key);
                }
            }
        }
    }

    private void Malformed(SipEndPoint remote, string reason)
    {
        Interlocked.Increment(ref _malformed);
        MalformedReceived?.Invoke(remote, reason);
    }
}
