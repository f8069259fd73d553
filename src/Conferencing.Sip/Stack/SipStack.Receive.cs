using System.Globalization;
using Conferencing.Sip.Transactions;
using Conferencing.Sip.Transport;

namespace Conferencing.Sip.Stack;

public sealed partial class SipStack
{
    private async ValueTask OnPacketAsync(SipPacket packet)
    {
        if (!SipMessage.TryParse(packet.Data.Span, out var message, out var error))
        {
            // Nothing trustworthy to answer to: drop it and say why (RFC 3261 16.3 / 18.3).
            Malformed(packet.Remote, error);
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
            if (request.Method != "ACK" && request.TopVia is not null && request.CallId is not null && request.CSeq is not null && request.From is not null && request.To is not null)
            {
                await SendResponseBytesAsync(request, packet.Remote, 400, problem).ConfigureAwait(false);
            }

            return;
        }

        StampReceived(request, packet.Remote);
        if (!string.Equals(request.Version, SipMessage.SipVersion, StringComparison.OrdinalIgnoreCase))
        {
            await SendResponseBytesAsync(request, packet.Remote, 505, null).ConfigureAwait(false);
            return;
        }

        await OnRequestAsync(request, packet.Remote).ConfigureAwait(false);
    }

    private async Task OnRequestAsync(SipRequest request, SipEndPoint remote)
    {
        var via = request.TopVia!;
        var handler = _handler;
        if (request.Method == "ACK")
        {
            if (_servers.TryGetValue(ServerKey(via, "ACK"), out var invite) && !invite.Transaction.OnAck())
            {
                return;
            }

            if (handler is not null)
            {
                await handler.OnAckAsync(request, remote).ConfigureAwait(false);
            }

            return;
        }

        var key = ServerKey(via, request.Method);
        if (_servers.TryGetValue(key, out var existing))
        {
            existing.Transaction.OnRequestRetransmission();
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

        if (request.Method == "CANCEL")
        {
            await OnCancelAsync(incoming, via, handler).ConfigureAwait(false);
            return;
        }

        if (request.MaxForwards is 0 && request.Method != "OPTIONS")
        {
            await incoming.RespondAsync(483).ConfigureAwait(false);
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

    private async Task OnCancelAsync(IncomingRequest cancel, ViaHeader via, ISipRequestHandler? handler)
    {
        // 9.2: the CANCEL carries the INVITE's branch, so it finds the INVITE's server transaction.
        if (!_servers.TryGetValue(ServerKey(via, "INVITE"), out var invite) || invite.Transaction.State is not TransactionState.Proceeding)
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
        if (response.TopVia is not { Branch: { } branch } || response.CSeq is not { } cseq)
        {
            Malformed(remote, "response without a Via branch or CSeq");
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
    private static void StampReceived(SipRequest request, SipEndPoint remote)
    {
        var via = request.TopVia!;
        var changed = false;
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

    private ValueTask SendResponseBytesAsync(SipRequest request, SipEndPoint remote, int status, string? reason)
    {
        var response = SipResponse.CreateFor(request, status, reason);
        response.Headers.Add("Server", Options.Product);
        return SendResponseBytesAsync(response, remote, response.ToBytes());
    }

    private void Malformed(SipEndPoint remote, string reason)
    {
        Interlocked.Increment(ref _malformed);
        MalformedReceived?.Invoke(remote, reason);
    }
}
