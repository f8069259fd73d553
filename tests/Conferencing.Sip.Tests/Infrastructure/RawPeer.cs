using System.Net;
using System.Net.Sockets;
using System.Text;
using Conferencing.Sip.Transport;

namespace Conferencing.Sip.Tests;

/// <summary>
/// A SIP peer written out by hand on a loopback UDP socket: it sends exactly the messages a test
/// builds and answers only when told, so a test can hold a transaction open (glare) or answer with
/// headers our own agent would never send (several challenges, 422).
/// </summary>
internal sealed class RawPeer : IDisposable
{
    private readonly UdpClient _udp;

    /// <param name="address">The loopback address to send from; the default is 127.0.0.1 (another, like 127.0.0.2, is another source).</param>
    public RawPeer(IPAddress? address = null) => _udp = new UdpClient(new IPEndPoint(address ?? IPAddress.Loopback, 0));

    public IPEndPoint EndPoint => (IPEndPoint)_udp.Client.LocalEndPoint!;

    public SipEndPoint SipEndPoint => new(SipProtocol.Udp, EndPoint);

    public SipUri Uri(string? user = "peer") => SipUri.Create(user, EndPoint);

    private int _probes;

    public Task SendAsync(SipMessage message, SipEndPoint to) => SendAsync(message.ToBytes(), to);

    public Task SendAsync(byte[] bytes, SipEndPoint to) => _udp.SendAsync(bytes, to.Address).AsTask();

    /// <summary>The next request of <paramref name="method"/>; other messages (retransmissions, responses) are skipped.</summary>
    public async Task<SipRequest> ReceiveRequestAsync(string method)
    {
        while (true)
        {
            var received = await _udp.ReceiveAsync();
            if (SipMessage.Parse(received.Buffer) is SipRequest request && request.Method == method)
            {
                return request;
            }
        }
    }

    /// <summary>The next final response (to a request of <paramref name="method"/> when given), skipping provisional ones.</summary>
    public async Task<SipResponse> ReceiveFinalAsync(string? method = null)
    {
        while (true)
        {
            var received = await _udp.ReceiveAsync();
            if (SipMessage.Parse(received.Buffer) is SipResponse { IsProvisional: false } response && (method is null || response.CSeq?.Method == method))
            {
                return response;
            }
        }
    }

    /// <summary>
    /// Sends an OPTIONS and waits for its 200: an agent reads datagrams in order, so anything it had to
    /// say about what was sent before would have come first and fails the test, unless it is a
    /// retransmission <paramref name="repeat"/> recognizes (a final response to INVITE is resent until ACK).
    /// </summary>
    public async Task ProbeAsync(SipEndPoint agent, Func<SipResponse, bool>? repeat = null)
    {
        var callId = $"probe-{Interlocked.Increment(ref _probes)}";
        var probe = Encoding.ASCII.GetBytes(
            $"OPTIONS sip:user@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {EndPoint};branch=z9hG4bK{callId}\r\nMax-Forwards: 70\r\n" +
            $"From: <sip:probe@127.0.0.1>;tag=p\r\nTo: <sip:user@127.0.0.1>\r\nCall-ID: {callId}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
        await SendAsync(probe, agent);
        while (true)
        {
            var response = await ReceiveFinalAsync();
            if (response.CallId == callId)
            {
                Xunit.Assert.Equal(200, response.StatusCode);
                return;
            }

            Xunit.Assert.True(repeat?.Invoke(response) == true, $"unexpected {response.StatusCode} {response.ReasonPhrase} for {response.CallId}");
        }
    }

    /// <summary>Answers a request it received, sending the response to the top Via's sent-by.</summary>
    public Task RespondAsync(SipRequest request, int status, string toTag, Action<SipResponse>? configure = null)
    {
        var response = SipResponse.CreateFor(request, status).WithToTag(toTag);
        configure?.Invoke(response);
        var via = request.TopVia!;
        var port = via.Parameters["rport"] is { Length: > 0 } rport ? int.Parse(rport, System.Globalization.CultureInfo.InvariantCulture) : via.Port ?? 5060;
        return SendAsync(response, new SipEndPoint(SipProtocol.Udp, new IPEndPoint(IPAddress.Parse(via.HostWithoutBrackets()), port)));
    }

    /// <summary>A request in a dialog this peer holds with an agent, written out as RFC 3261 12.2.1.1 says.</summary>
    public SipRequest InDialog(string method, SipUri target, string callId, string localTag, string remoteTag, uint cseq)
    {
        var request = new SipRequest(method, target);
        request.Headers.Add("Via", $"SIP/2.0/UDP {EndPoint};branch={SipRequest.NewBranch()}");
        request.Headers.Add("Max-Forwards", "70");
        request.Headers.Add("From", $"<{Uri()}>;tag={localTag}");
        request.Headers.Add("To", $"<{target}>;tag={remoteTag}");
        request.Headers.Add("Call-ID", callId);
        request.Headers.Add("CSeq", $"{cseq} {method}");
        request.Headers.Add("Contact", $"<{Uri()}>");
        return request;
    }

    public void Dispose() => _udp.Dispose();
}

internal static class ViaHeaderExtensions
{
    public static string HostWithoutBrackets(this ViaHeader via) => via.Host.Trim('[', ']');
}
