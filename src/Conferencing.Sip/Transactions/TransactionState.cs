namespace Conferencing.Sip.Transactions;

/// <summary>States of the four transaction machines of RFC 3261 17, with Accepted from RFC 6026.</summary>
public enum TransactionState
{
    /// <summary>INVITE client: request sent, nothing heard.</summary>
    Calling,

    /// <summary>Non-INVITE client and server: request sent or received, no response yet.</summary>
    Trying,

    /// <summary>A provisional response was sent or received.</summary>
    Proceeding,

    /// <summary>A final response was sent or received; absorbing retransmissions.</summary>
    Completed,

    /// <summary>INVITE server: the ACK for a non-2xx arrived.</summary>
    Confirmed,

    /// <summary>INVITE client and server after a 2xx (RFC 6026): 2xx retransmissions and ACKs pass through.</summary>
    Accepted,

    /// <summary>Done; the transaction is forgotten.</summary>
    Terminated,
}

/// <summary>Why a transaction ended without a final response.</summary>
public enum TransactionFailure
{
    /// <summary>Timer B or F fired: nobody answered.</summary>
    Timeout,

    /// <summary>The transport could not send.</summary>
    TransportError,
}
