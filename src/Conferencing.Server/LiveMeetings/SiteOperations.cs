using Conferencing.Relay;
using Conferencing.Server.Common;
using Conferencing.Server.Meetings;
using Conferencing.Server.Relaying;
using Conferencing.Server.Sites;
using Conferencing.Server.Store;

namespace Conferencing.Server.LiveMeetings;

/// <summary>What an operator does to a site's call from the meeting page.</summary>
public enum SiteAction
{
    Mute,
    Unmute,
    HangUp,
    Redial,
}

/// <summary>How one site's action went: <c>done</c>, <c>refused</c> (with the problem code) or <c>failed</c> (the relay).</summary>
public sealed record SiteActionResult(string SiteCode, SiteAction Action, string Outcome, string? Code, string? Detail);

/// <summary>
/// The secretariat's actions on sites' calls in a live meeting: one site, or every site of the
/// meeting under a site of the tree (a district and its communes). Each endpoint of a site is
/// acted on through the conductor's public actions; every site's outcome goes to the audit trail.
/// </summary>
public sealed class SiteOperations(
    MeetingService meetings, LiveCalls live, RelayConductor conductor, SiteHolds holds, SiteStore sites, Database database, AuditLog audit, TimeProvider time)
{
    /// <summary>Names as the API spells them.</summary>
    public static bool TryParseAction(string? text, out SiteAction action)
    {
        switch (text)
        {
            case "mute": action = SiteAction.Mute; return true;
            case "unmute": action = SiteAction.Unmute; return true;
            case "hang-up": action = SiteAction.HangUp; return true;
            case "redial": action = SiteAction.Redial; return true;
            default: action = default; return false;
        }
    }

    public static string NameOf(SiteAction action) => action switch
    {
        SiteAction.Mute => "mute",
        SiteAction.Unmute => "unmute",
        SiteAction.HangUp => "hang-up",
        _ => "redial",
    };

    /// <summary>Acts on one site, or on every site of the meeting in <paramref name="subtree"/>'s subtree when <paramref name="siteCode"/> is null.</summary>
    /// <exception cref="DomainException">No meeting (404); not live (409 <c>meeting.not-live</c>); a site not in the meeting (409 <c>site.not-in-meeting</c>).</exception>
    public async Task<IReadOnlyList<SiteActionResult>> ActAsync(Guid meetingId, string? siteCode, string? subtree, SiteAction action, string actor, CancellationToken cancellationToken)
    {
        var meeting = await meetings.GetAsync(meetingId, cancellationToken).ConfigureAwait(false) ?? throw DomainException.NotFound("meeting", meetingId.ToString());
        if (meeting.Status != MeetingStatus.Live || live.Get(meetingId) is not { } call)
        {
            throw new DomainException(DomainErrorKind.Conflict, "meeting.not-live", "Calls are acted on only while the meeting is live.");
        }

        IReadOnlyList<string> targets;
        if (siteCode is not null)
        {
            if (!meeting.SiteCodes.Contains(siteCode, StringComparer.Ordinal))
            {
                throw new DomainException(DomainErrorKind.Conflict, "site.not-in-meeting", $"Site '{siteCode}' does not take part in this meeting.", "siteCode");
            }

            targets = [siteCode];
        }
        else
        {
            var tree = await sites.LoadTreeAsync(cancellationToken).ConfigureAwait(false);
            if (subtree is null || !tree.TryGet(subtree, out _))
            {
                throw new DomainException(DomainErrorKind.Invalid, "site.unknown", $"No site '{subtree}' to act under.", "subtree");
            }

            var under = tree.Subtree(subtree).Select(s => s.Code).ToHashSet(StringComparer.Ordinal);
            targets = [.. meeting.SiteCodes.Where(under.Contains)];
        }

        var results = new List<SiteActionResult>();
        foreach (var code in targets)
        {
            var result = await ActOnSiteAsync(meetingId, code, call.Endpoints.Where(e => e.SiteCode == code).ToList(), action, actor, cancellationToken).ConfigureAwait(false);
            results.Add(result);
            await database.InTransactionAsync((connection, transaction) => audit.WriteAsync(connection, transaction, actor, "site." + NameOf(action), "meeting", meetingId.ToString(),
                $"{NameOf(action)} {code}: {result.Outcome}{(result.Code is { } c ? " (" + c + ")" : "")}", cancellationToken), cancellationToken).ConfigureAwait(false);
        }

        return results;
    }

    private async Task<SiteActionResult> ActOnSiteAsync(Guid meetingId, string code, List<EndpointCall> endpoints, SiteAction action, string actor, CancellationToken cancellationToken)
    {
        if (endpoints.Count == 0)
        {
            return new SiteActionResult(code, action, "refused", "site.no-room-system", "The site has no room system in the meeting's call.");
        }

        var done = 0;
        string? refusal = null, detail = null;
        var failed = false;
        foreach (var endpoint in endpoints)
        {
            try
            {
                switch (action)
                {
                    case SiteAction.HangUp:
                        if (endpoint.State is CallState.Waiting or CallState.Failed or CallState.Ended && holds.IsHeld(meetingId, endpoint.EndpointId))
                        {
                            done++;
                            continue;
                        }

                        // Recorded first: the state a screen draws at the hang-up already names who.
                        holds.Hold(meetingId, endpoint.EndpointId, actor, time.GetUtcNow());
                        try
                        {
                            await conductor.HangUpEndpointAsync(meetingId, endpoint.EndpointId, actor, cancellationToken).ConfigureAwait(false);
                        }
                        catch
                        {
                            if (!holds.IsHeld(meetingId, endpoint.EndpointId))
                            {
                                holds.Release(meetingId, endpoint.EndpointId);
                            }

                            throw;
                        }

                        break;
                    case SiteAction.Redial:
                        await conductor.RedialEndpointAsync(meetingId, endpoint.EndpointId).ConfigureAwait(false);
                        holds.Release(meetingId, endpoint.EndpointId);
                        break;
                    default:
                        if (endpoint.State != CallState.InCall)
                        {
                            refusal ??= "endpoint.not-in-call";
                            detail ??= "The site is not in the call.";
                            continue;
                        }

                        await conductor.SetEndpointAudioMutedAsync(meetingId, endpoint.EndpointId, action == SiteAction.Mute, cancellationToken).ConfigureAwait(false);
                        break;
                }

                done++;
            }
            catch (DomainException e)
            {
                (refusal, detail) = (refusal ?? e.Code, detail ?? e.Message);
            }
            catch (RelayException e)
            {
                failed = true;
                (refusal, detail) = (refusal ?? (e.Kind == RelayErrorKind.NotFound ? "endpoint.not-in-call" : e.Code), detail ?? e.Message);
            }
        }

        return done > 0
            ? new SiteActionResult(code, action, "done", null, null)
            : new SiteActionResult(code, action, failed ? "failed" : "refused", refusal, detail);
    }
}
