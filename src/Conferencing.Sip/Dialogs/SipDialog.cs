using System.Globalization;
using Conferencing.Sip.Transport;

namespace Conferencing.Sip.Dialogs;

/// <summary>
/// A dialog (RFC 3261 12): the Call-ID and tags that name it, the route set, the remote target and
/// the two CSeq spaces. It builds in-dialog requests and checks incoming ones; it does no I/O.
/// </summary>
public sealed class SipDialog
{
    private readonly object _gate = new();

    private SipDialog(string callId, string localTag, string remoteTag, NameAddress local, NameAddress remote, SipUri remoteTarget, IReadOnlyList<NameAddress> routeSet, uint localSeq, uint? remoteSeq, SipEndPoint peer)
    {
        CallId = callId;
        LocalTag = localTag;
        RemoteTag = remoteTag;
        LocalAddress = local;
        RemoteAddress = remote;
        RemoteTarget = remoteTarget;
        RouteSet = routeSet;
        LocalSeq = localSeq;
        RemoteSeq = remoteSeq;
        Peer = peer;
    }

    /// <summary>The Call-ID.</summary>
    public string CallId { get; }

    /// <summary>Our tag.</summary>
    public string LocalTag { get; }

    /// <summary>The peer's tag.</summary>
    public string RemoteTag { get; }

    /// <summary>Our address of record (From in our requests), without tag.</summary>
    public NameAddress LocalAddress { get; }

    /// <summary>The peer's address of record (To in our requests), without tag.</summary>
    public NameAddress RemoteAddress { get; }

    /// <summary>Where in-dialog requests go: the peer's Contact, refreshed by target-refresh requests.</summary>
    public SipUri RemoteTarget { get; private set; }

    /// <summary>The route set from Record-Route, in the order our requests use.</summary>
    public IReadOnlyList<NameAddress> RouteSet { get; }

    /// <summary>Our last CSeq number.</summary>
    public uint LocalSeq { get; private set; }

    /// <summary>The peer's last CSeq number, or null before its first request.</summary>
    public uint? RemoteSeq { get; private set; }

    /// <summary>The transport address in-dialog requests are sent to.</summary>
    public SipEndPoint Peer { get; private set; }

    /// <summary>The key the dialog is found by: Call-ID, local tag, remote tag.</summary>
    public string Id => Key(CallId, LocalTag, RemoteTag);

    /// <summary>Builds the dialog key.</summary>
    public static string Key(string callId, string localTag, string remoteTag) => $"{callId}|{localTag}|{remoteTag}";

    /// <summary>The UAC side, from the INVITE we sent and a 2xx (or tagged 1xx) we received (12.1.2).</summary>
    public static SipDialog ForUac(SipRequest invite, SipResponse response, SipEndPoint peer)
    {
        ArgumentNullException.ThrowIfNull(invite);
        ArgumentNullException.ThrowIfNull(response);
        var from = invite.From ?? throw new ArgumentException("The INVITE has no From.", nameof(invite));
        var to = response.To ?? throw new ArgumentException("The response has no To.", nameof(response));
        var target = response.Contacts.FirstOrDefault()?.Uri ?? invite.RequestUri;
        var routes = response.RecordRoutes.Reverse().ToList();
        return new SipDialog(invite.CallId!, from.Tag ?? "", to.Tag ?? "", WithoutTag(from), WithoutTag(to), target, routes, invite.CSeq!.Value.Number, null, peer);
    }

    /// <summary>The UAS side, from an INVITE we received and the tag we answer with (12.1.1).</summary>
    public static SipDialog ForUas(SipRequest invite, string localTag, SipEndPoint peer)
    {
        ArgumentNullException.ThrowIfNull(invite);
        var from = invite.From ?? throw new ArgumentException("The INVITE has no From.", nameof(invite));
        var to = invite.To ?? throw new ArgumentException("The INVITE has no To.", nameof(invite));
        var target = invite.Contacts.FirstOrDefault()?.Uri ?? from.Uri;
        var routes = invite.RecordRoutes.ToList();
        var localSeq = (uint)Random.Shared.Next(1, 1 << 20);
        return new SipDialog(invite.CallId!, localTag, from.Tag ?? "", WithoutTag(to), WithoutTag(from), target, routes, localSeq, invite.CSeq!.Value.Number, peer);
    }

    /// <summary>
    /// A new in-dialog request (12.2.1.1): Request-URI is the remote target (loose routing), Route from
    /// the route set, From/To with the tags, the next CSeq. ACK and CANCEL take the CSeq they are given.
    /// </summary>
    public SipRequest CreateRequest(string method, uint? cseq = null)
    {
        uint number;
        lock (_gate)
        {
            number = cseq ?? ++LocalSeq;
        }

        var request = new SipRequest(method, RemoteTarget.Clone());
        var from = LocalAddress.Clone();
        from.Tag = LocalTag;
        var to = RemoteAddress.Clone();
        if (RemoteTag.Length > 0)
        {
            to.Tag = RemoteTag;
        }

        request.Headers.Add("From", from.ToString());
        request.Headers.Add("To", to.ToString());
        request.Headers.Add("Call-ID", CallId);
        request.Headers.Add("CSeq", new CSeqHeader(number, method).ToString());
        request.Headers.Add("Max-Forwards", "70");
        foreach (var route in RouteSet)
        {
            request.Headers.Add("Route", route.ToString());
        }

        return request;
    }

    /// <summary>
    /// Checks an in-dialog request from the peer (12.2.2). Returns 0 when it is in order, else the
    /// status to answer: 500 for a CSeq lower than the last one.
    /// </summary>
    public int AcceptRemoteRequest(SipRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var number = request.CSeq!.Value.Number;
        lock (_gate)
        {
            if (request.Method != "ACK" && request.Method != "CANCEL")
            {
                if (RemoteSeq is { } last && number <= last)
                {
                    return 500;
                }

                RemoteSeq = number;
            }

            if (request.Method is "INVITE" or "UPDATE" && request.Contacts.FirstOrDefault() is { } contact)
            {
                RemoteTarget = contact.Uri;
            }
        }

        return 0;
    }

    /// <summary>Takes the peer's new Contact from a 2xx to our re-INVITE or UPDATE (target refresh).</summary>
    public void RefreshTarget(SipResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.Contacts.FirstOrDefault() is { } contact)
        {
            lock (_gate)
            {
                RemoteTarget = contact.Uri;
            }
        }
    }

    /// <summary>The dialog as text, for logs.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"dialog {CallId} local {LocalTag} remote {RemoteTag}");

    private static NameAddress WithoutTag(NameAddress address)
    {
        var copy = address.Clone();
        copy.Tag = null;
        return copy;
    }
}
