using System.Data.Common;
using System.Globalization;
using Conferencing.Server.Common;
using Conferencing.Server.Meetings;
using Conferencing.Server.Store;

namespace Conferencing.Server.Room;

/// <summary>
/// Votes (biểu quyết): the chair drafts a question, opens it, closes it. Each delegate answers once
/// (Đồng ý, Không đồng ý, Không biểu quyết) and cannot change it: the ballot's primary key (vote,
/// delegate) makes a second one fail in the database, on every node. In a secret vote the ballot
/// row records only that the delegate voted, never the answer, which goes straight into the tally
/// in the same transaction. Results are pushed live and kept.
/// </summary>
public sealed class VotingService(Database database, MeetingService meetings, AuditLog audit, RoomFeed feed, TimeProvider time)
{
    public const int MaxQuestionLength = 1000;

    public async Task<PollView> CreateAsync(Guid meetingId, string? question, bool secret, Guid? agendaItemId, string actor, CancellationToken cancellationToken, bool countsAfterClose = false)
    {
        var meeting = await meetings.GetAsync(meetingId, cancellationToken).ConfigureAwait(false) ?? throw DomainException.NotFound("meeting", meetingId.ToString());
        var text = question?.Trim();
        if (string.IsNullOrEmpty(text) || text.Length > MaxQuestionLength)
        {
            throw DomainException.Invalid("question", $"A vote needs a question of 1 to {MaxQuestionLength} characters.");
        }

        if (agendaItemId is { } item && meeting.Agenda.All(a => a.Id != item))
        {
            throw DomainException.Invalid("agendaItemId", $"Agenda item {item} is not on this meeting's agenda.");
        }

        if (meeting.Status is MeetingStatus.Cancelled or MeetingStatus.Ended)
        {
            throw new DomainException(DomainErrorKind.Conflict, "vote.meeting-over", $"Meeting '{meeting.Title}' is {meeting.Status}.");
        }

        var id = Guid.NewGuid();
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync(transaction,
                "INSERT INTO polls (id, meeting_id, agenda_item_id, question, secret, status, eligible, created_by, created_utc, counts_after_close) VALUES (@id, @m, @a, @q, @s, 'Draft', @e, @by, @at, @ac)",
                cancellationToken, ("id", id.ToString()), ("m", meetingId.ToString()), ("a", agendaItemId?.ToString()), ("q", text), ("s", secret ? 1 : 0), ("ac", countsAfterClose ? 1 : 0),
                ("e", meeting.Delegates.Count), ("by", actor), ("at", database.ToDb(time.GetUtcNow()))).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "vote.created", "meeting", meetingId.ToString(), $"{(secret ? "secret" : "open")}{(countsAfterClose ? ", counts after closing" : "")}: {text}", cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        await feed.PublishAsync(new RoomChange(meetingId, RoomChangeKind.Polls), cancellationToken).ConfigureAwait(false);
        return (await GetAsync(id, withBallots: true, cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Opens a drafted vote; one vote is open at a time in a meeting.</summary>
    public async Task<PollView> OpenAsync(Guid pollId, string actor, CancellationToken cancellationToken)
    {
        var poll = await GetAsync(pollId, false, cancellationToken).ConfigureAwait(false) ?? throw DomainException.NotFound("vote", pollId.ToString());
        var meeting = await meetings.GetAsync(poll.MeetingId, cancellationToken).ConfigureAwait(false) ?? throw DomainException.NotFound("meeting", poll.MeetingId.ToString());
        if (meeting.Status is not (MeetingStatus.Preparing or MeetingStatus.Live))
        {
            throw new DomainException(DomainErrorKind.Conflict, "vote.meeting-not-running", $"Votes are opened while the meeting runs; '{meeting.Title}' is {meeting.Status}.");
        }

        try
        {
            await OpenInStoreAsync(poll, meeting, pollId, actor, cancellationToken).ConfigureAwait(false);
        }
        catch (System.Data.Common.DbException e) when (DbErrors.IsUniqueViolation(e))
        {
            // Two openings at the same moment (on two nodes): the store's one-open-vote index let one through.
            throw new DomainException(DomainErrorKind.Conflict, "vote.another-open", "Another vote of this meeting was opened at the same moment; close it first.");
        }

        await feed.PublishAsync(new RoomChange(poll.MeetingId, RoomChangeKind.Polls), cancellationToken).ConfigureAwait(false);
        return (await GetAsync(pollId, true, cancellationToken).ConfigureAwait(false))!;
    }

    private Task OpenInStoreAsync(PollView poll, Meetings.Meeting meeting, Guid pollId, string actor, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            var other = await connection.ScalarAsync(transaction, "SELECT question FROM polls WHERE meeting_id = @m AND status = 'Open' AND id <> @id", cancellationToken,
                ("m", poll.MeetingId.ToString()), ("id", pollId.ToString())).ConfigureAwait(false);
            if (other is string question)
            {
                throw new DomainException(DomainErrorKind.Conflict, "vote.another-open", $"Close the open vote first: \"{question}\".");
            }

            // The electorate is fixed when the vote opens: the meeting's delegates at that moment.
            var rows = await connection.ExecuteAsync(transaction, "UPDATE polls SET status = 'Open', opened_utc = @t, eligible = @e WHERE id = @id AND status = 'Draft'", cancellationToken,
                ("t", database.ToDb(time.GetUtcNow())), ("e", meeting.Delegates.Count), ("id", pollId.ToString())).ConfigureAwait(false);
            if (rows != 1)
            {
                throw new DomainException(DomainErrorKind.Conflict, "vote.not-draft", "Only a drafted vote can be opened; this one is " + poll.Status + ".");
            }

            await audit.WriteAsync(connection, transaction, actor, "vote.opened", "meeting", poll.MeetingId.ToString(), poll.Question, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public async Task<PollView> CloseAsync(Guid pollId, string actor, CancellationToken cancellationToken)
    {
        var poll = await GetAsync(pollId, false, cancellationToken).ConfigureAwait(false) ?? throw DomainException.NotFound("vote", pollId.ToString());
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            var rows = await connection.ExecuteAsync(transaction, "UPDATE polls SET status = 'Closed', closed_utc = @t WHERE id = @id AND status = 'Open'", cancellationToken,
                ("t", database.ToDb(time.GetUtcNow())), ("id", pollId.ToString())).ConfigureAwait(false);
            if (rows != 1)
            {
                throw new DomainException(DomainErrorKind.Conflict, "vote.not-open", "Only an open vote can be closed; this one is " + poll.Status + ".");
            }

            var closed = (await ReadPollsAsync(connection, transaction, "id = @id", false, cancellationToken, ("id", pollId.ToString())).ConfigureAwait(false))[0];
            await audit.WriteAsync(connection, transaction, actor, "vote.closed", "meeting", poll.MeetingId.ToString(),
                string.Create(CultureInfo.InvariantCulture, $"{poll.Question}: agree {closed.Agree}, disagree {closed.Disagree}, abstain {closed.Abstain}, not voted {closed.NotVoted} of {closed.Eligible}"),
                cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        await feed.PublishAsync(new RoomChange(poll.MeetingId, RoomChangeKind.Polls), cancellationToken).ConfigureAwait(false);
        return (await GetAsync(pollId, true, cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>One delegate's one answer; a second is refused with <c>vote.already-cast</c>.</summary>
    public async Task<PollView> CastAsync(Guid meetingId, Guid pollId, Guid delegateId, VoteChoice? choice, CancellationToken cancellationToken)
    {
        if (choice is not { } answer || !Enum.IsDefined(answer))
        {
            throw DomainException.Invalid("choice", "Answer Agree (Đồng ý), Disagree (Không đồng ý) or Abstain (Không biểu quyết).");
        }

        var meeting = await meetings.GetAsync(meetingId, cancellationToken).ConfigureAwait(false) ?? throw DomainException.NotFound("meeting", meetingId.ToString());
        if (meeting.Delegates.All(d => d.Id != delegateId))
        {
            throw new DomainException(DomainErrorKind.Conflict, "vote.not-eligible", "You are not on this meeting's list of delegates.");
        }

        await database.InTransactionAsync(async (connection, transaction) =>
        {
            var polls = await ReadPollsAsync(connection, transaction, "id = @id AND meeting_id = @m", false, cancellationToken, ("id", pollId.ToString()), ("m", meetingId.ToString())).ConfigureAwait(false);
            var poll = polls.FirstOrDefault() ?? throw DomainException.NotFound("vote", pollId.ToString());
            if (poll.Status != PollStatus.Open)
            {
                throw new DomainException(DomainErrorKind.Conflict, "vote.not-open", poll.Status == PollStatus.Closed ? "This vote is closed." : "This vote has not been opened yet.");
            }

            var inserted = await connection.ExecuteAsync(transaction,
                "INSERT INTO ballots (poll_id, delegate_id, choice, cast_utc) VALUES (@p, @d, @c, @t) ON CONFLICT DO NOTHING", cancellationToken,
                ("p", pollId.ToString()), ("d", delegateId.ToString()), ("c", poll.Secret ? null : answer.ToString()),
                ("t", poll.Secret ? DBNull.Value : database.ToDb(time.GetUtcNow()))).ConfigureAwait(false);
            if (inserted != 1)
            {
                throw new DomainException(DomainErrorKind.Conflict, "vote.already-cast", "You have already voted; a vote cannot be changed.");
            }

            var column = answer switch { VoteChoice.Agree => "agree", VoteChoice.Disagree => "disagree", _ => "abstain" };
            await connection.ExecuteAsync(transaction, $"UPDATE polls SET {column} = {column} + 1 WHERE id = @id", cancellationToken, ("id", pollId.ToString())).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        await feed.PublishAsync(new RoomChange(meetingId, RoomChangeKind.Polls), cancellationToken).ConfigureAwait(false);
        return (await GetAsync(pollId, false, cancellationToken).ConfigureAwait(false))!;
    }

    public async Task<PollView?> GetAsync(Guid pollId, bool withBallots, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await ReadPollsAsync(connection, null, "id = @id", withBallots, cancellationToken, ("id", pollId.ToString())).ConfigureAwait(false)).FirstOrDefault();
    }

    /// <summary>The meeting's votes, oldest first; with <paramref name="withBallots"/> the named ballots of open votes (for the chair).</summary>
    public async Task<IReadOnlyList<PollView>> ListAsync(Guid meetingId, bool withBallots, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ReadPollsAsync(connection, null, "meeting_id = @m", withBallots, cancellationToken, ("m", meetingId.ToString())).ConfigureAwait(false);
    }

    /// <summary>Which votes a delegate has answered, with the answer where the vote is open (named).</summary>
    public async Task<IReadOnlyDictionary<Guid, VoteChoice?>> BallotsOfAsync(Guid meetingId, Guid delegateId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync(null,
            "SELECT b.poll_id, b.choice FROM ballots b JOIN polls p ON p.id = b.poll_id WHERE p.meeting_id = @m AND b.delegate_id = @d",
            r => (Poll: Guid.Parse(r.GetString(0)), Choice: r.GetNullableString(1) is { } c ? Enum.Parse<VoteChoice>(c) : (VoteChoice?)null),
            cancellationToken, ("m", meetingId.ToString()), ("d", delegateId.ToString())).ConfigureAwait(false);
        return rows.ToDictionary(r => r.Poll, r => r.Choice);
    }

    private async Task<IReadOnlyList<PollView>> ReadPollsAsync(DbConnection connection, DbTransaction? transaction, string where, bool withBallots, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        var polls = await connection.QueryAsync(transaction,
            $"SELECT id, meeting_id, agenda_item_id, question, secret, status, eligible, agree, disagree, abstain, created_utc, opened_utc, closed_utc, counts_after_close FROM polls WHERE {where} ORDER BY created_utc, id",
            r => new PollView(Guid.Parse(r.GetString(0)), Guid.Parse(r.GetString(1)), r.GetNullableString(2) is { } a ? Guid.Parse(a) : null, r.GetString(3),
                Int(r, 4) != 0, Enum.Parse<PollStatus>(r.GetString(5)), Int(r, 6), Int(r, 7), Int(r, 8), Int(r, 9), database.ReadTime(r, 10),
                r.IsDBNull(11) ? null : database.ReadTime(r, 11), r.IsDBNull(12) ? null : database.ReadTime(r, 12), null, Int(r, 13) != 0),
            cancellationToken, parameters).ConfigureAwait(false);
        if (!withBallots || polls.All(p => p.Secret))
        {
            return polls;
        }

        var meeting = await MeetingStore.GetAsync(connection, transaction, polls[0].MeetingId, cancellationToken).ConfigureAwait(false);
        var names = meeting?.Delegates.ToDictionary(d => d.Id, d => d.Name) ?? [];
        var result = new List<PollView>(polls.Count);
        foreach (var poll in polls)
        {
            if (poll.Secret)
            {
                result.Add(poll);
                continue;
            }

            var ballots = await connection.QueryAsync(transaction, "SELECT delegate_id, choice, cast_utc FROM ballots WHERE poll_id = @p ORDER BY cast_utc",
                r => new BallotView(Guid.Parse(r.GetString(0)), names.GetValueOrDefault(Guid.Parse(r.GetString(0)), "?"), Enum.Parse<VoteChoice>(r.GetString(1)), database.ReadTime(r, 2)),
                cancellationToken, ("p", poll.Id.ToString())).ConfigureAwait(false);
            result.Add(poll with { Ballots = ballots });
        }

        return result;
    }

    private static int Int(DbDataReader r, int i) => Convert.ToInt32(r.GetValue(i), CultureInfo.InvariantCulture);
}
