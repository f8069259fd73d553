using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace Conferencing.Server.RoomControl;

/// <summary>One connected agent.</summary>
public sealed record AgentSession(Guid AgentId, string SiteCode, string ConnectionId, DateTimeOffset Since, HubCallerContext Context);

/// <summary>
/// Which agents are connected, and on which connection: the one owner of agent presence. An agent that
/// connects again while its old connection lingers replaces it (the old one is aborted), so a command
/// never goes to a dead connection for long.
/// </summary>
public sealed class AgentPresence
{
    private readonly ConcurrentDictionary<Guid, AgentSession> _sessions = new();

    public int Count => _sessions.Count;

    public event Action<Guid, bool>? Changed;

    public void Connected(AgentSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        AgentSession? old = null;
        _sessions.AddOrUpdate(session.AgentId, session, (_, existing) =>
        {
            old = existing;
            return session;
        });
        if (old is not null && old.ConnectionId != session.ConnectionId)
        {
            old.Context.Abort();
        }

        Changed?.Invoke(session.AgentId, true);
    }

    public void Disconnected(Guid agentId, string connectionId)
    {
        if (_sessions.TryGetValue(agentId, out var session) && session.ConnectionId == connectionId
            && _sessions.TryRemove(new KeyValuePair<Guid, AgentSession>(agentId, session)))
        {
            Changed?.Invoke(agentId, false);
        }
    }

    public bool TryGet(Guid agentId, out AgentSession session) => _sessions.TryGetValue(agentId, out session!);

    public bool IsOnline(Guid agentId) => _sessions.ContainsKey(agentId);

    /// <summary>Drops an agent's connection now (its key was revoked); its reconnect then meets a 401.</summary>
    public bool Abort(Guid agentId)
    {
        if (_sessions.TryRemove(agentId, out var session))
        {
            session.Context.Abort();
            Changed?.Invoke(agentId, false);
            return true;
        }

        return false;
    }
}
