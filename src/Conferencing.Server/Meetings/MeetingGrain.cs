using System.Text.Json;
using Conferencing.Server.Common;

namespace Conferencing.Server.Meetings;

/// <summary>
/// The one place in the cluster where commands on a meeting run, one after another: whichever node
/// receives a command, it runs in this meeting's activation, so two secretaries on two nodes cannot
/// interleave a start and a floor change. The grain keeps no state of its own: each command loads
/// the meeting, changes it and saves it with its audit line in one store transaction, exactly as a
/// single node does (no second copy of meeting state in Orleans' tables).
/// </summary>
public interface IMeetingGrain : IGrainWithGuidKey
{
    Task<MeetingCommandOutcome> RunAsync(MeetingCommand command);
}

/// <inheritdoc cref="IMeetingGrain"/>
public sealed class MeetingGrain(MeetingService meetings) : Grain, IMeetingGrain
{
    public async Task<MeetingCommandOutcome> RunAsync(MeetingCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        try
        {
            // Not cancellable once started: the caller may give up waiting, the command still commits or not as a whole.
            var saved = await meetings.ExecuteAsync(this.GetPrimaryKey(), command, CancellationToken.None);
            return new MeetingCommandOutcome(saved.Version, null);
        }
        catch (DomainException e)
        {
            return new MeetingCommandOutcome(0, CommandProblem.From(e));
        }
    }
}

/// <summary>What a command on a meeting is, in a form that travels between nodes.</summary>
public enum MeetingCommandKind
{
    Update,
    Prepare,
    Start,
    End,
    Cancel,
    RollCall,
    RollCallMany,
    Floor,
}

/// <summary>One command on a meeting, with the version the caller saw (null: whatever is current).</summary>
public sealed record MeetingCommand(MeetingCommandKind Kind, int? ExpectedVersion, string Actor)
{
    public MeetingDetails? Details { get; init; }

    public string? Reason { get; init; }

    public string? SiteCode { get; init; }

    public AttendanceInput? Attendance { get; init; }

    public IReadOnlyList<AttendanceInput>? Entries { get; init; }
}

/// <summary>The saved version, or the rule the command broke.</summary>
public sealed record MeetingCommandOutcome(int Version, CommandProblem? Problem);

/// <summary>A <see cref="DomainException"/> on its way back to the node that asked.</summary>
public sealed record CommandProblem(DomainErrorKind Kind, string Code, string Message, string? Field, string? DetailsJson)
{
    private static readonly JsonSerializerOptions Json = CreateJson();

    public static CommandProblem From(DomainException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new CommandProblem(exception.Kind, exception.Code, exception.Message, exception.Field,
            exception.Details.Count == 0 ? null : JsonSerializer.Serialize(exception.Details, Json));
    }

    public DomainException ToException()
    {
        var details = DetailsJson is null ? null : JsonSerializer.Deserialize<Dictionary<string, object?>>(DetailsJson, Json);
        return new DomainException(Kind, Code, Message, Field, details);
    }

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Hosting.ServerSetup.ConfigureJson(options);
        return options;
    }
}
