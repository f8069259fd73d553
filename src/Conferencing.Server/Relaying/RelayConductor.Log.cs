namespace Conferencing.Server.Relaying;

public sealed partial class RelayConductor
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 11202, Level = LogLevel.Warning, Message = "Relay conductor: reading meetings, endpoints and relays failed; the relays keep what they have")]
        public static partial void RefreshFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 11203, Level = LogLevel.Error, Message = "The stored secret of {What} cannot be read (data-protection keys lost?)")]
        public static partial void SecretUnreadable(ILogger logger, Exception exception, string what);

        [LoggerMessage(EventId = 11204, Level = LogLevel.Information, Message = "Relay conductor running: {Count} active meeting(s) in the store")]
        public static partial void Resuming(ILogger logger, int count);

        [LoggerMessage(EventId = 11205, Level = LogLevel.Warning, Message = "Relay command {Command} on {Relay} failed: {Reason}")]
        public static partial void CommandFailed(ILogger logger, string command, string relay, string reason);

        [LoggerMessage(EventId = 11206, Level = LogLevel.Error, Message = "Writing call history or quality failed")]
        public static partial void WriteFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 11207, Level = LogLevel.Information, Message = "Relay {Relay} reports {Meetings} meeting(s) with {Legs} connected leg(s)")]
        public static partial void RelayState(ILogger logger, string relay, int meetings, int legs);

        [LoggerMessage(EventId = 11208, Level = LogLevel.Information, Message = "Meeting {Number} opened on relay {Relay} ({DialIn} may dial in)")]
        public static partial void Opened(ILogger logger, string number, string relay, int dialIn);

        [LoggerMessage(EventId = 11209, Level = LogLevel.Information, Message = "Meeting {Number} closed on relay {Relay}")]
        public static partial void Closed(ILogger logger, string number, string relay);

        [LoggerMessage(EventId = 11210, Level = LogLevel.Information, Message = "Meeting {MeetingId} ({Number}) is closed on every relay")]
        public static partial void Forgotten(ILogger logger, Guid meetingId, string number);

        [LoggerMessage(EventId = 11211, Level = LogLevel.Warning, Message = "Meeting {Number}: relay {Relay} is linked to {Parent}, which does not see the link; redialling")]
        public static partial void HalfLink(ILogger logger, string number, string relay, string parent);

        [LoggerMessage(EventId = 11212, Level = LogLevel.Warning, Message = "Meeting {Number}: the relay refused to dial {Leg}: {Reason}")]
        public static partial void DialRefused(ILogger logger, string number, string leg, string reason);

        [LoggerMessage(EventId = 11213, Level = LogLevel.Information, Message = "Meeting {Number} on {Relay}: program {Program}, return feed {ReturnFeed}")]
        public static partial void ProgramSet(ILogger logger, string number, string relay, string program, string? returnFeed);

        [LoggerMessage(EventId = 11214, Level = LogLevel.Warning, Message = "Meeting {Number}: leg {Leg} sent nothing for {Seconds} s; hanging up to dial again")]
        public static partial void Silent(ILogger logger, string number, string leg, int seconds);

        [LoggerMessage(EventId = 11215, Level = LogLevel.Information, Message = "Meeting {Number}: {Leg} to be dialled again at a technician's request")]
        public static partial void Redial(ILogger logger, string number, string leg);

        [LoggerMessage(EventId = 11216, Level = LogLevel.Information, Message = "Meeting {Number} on {Relay}: dial-in list updated, {Count} user(s) may dial in")]
        public static partial void DialInSent(ILogger logger, string number, string relay, int count);

        [LoggerMessage(EventId = 11217, Level = LogLevel.Information, Message = "Meeting {Number} on {Relay}: leg {Leg} (user {User}) no longer belongs to the meeting; hanging up")]
        public static partial void StrayLeg(ILogger logger, string number, string relay, string leg, string? user);

        [LoggerMessage(EventId = 11218, Level = LogLevel.Information, Message = "Meeting {Number}: {Leg} registered at {Contact} while still being dialled elsewhere; calling it there")]
        public static partial void DialAtContact(ILogger logger, string number, string leg, string contact);

        [LoggerMessage(EventId = 17101, Level = LogLevel.Information, Message = "Meeting {Number} on {Relay}: audio mixed (open discussion {OpenDiscussion})")]
        public static partial void AudioMixSet(ILogger logger, string number, string relay, bool openDiscussion);

        [LoggerMessage(EventId = 17102, Level = LogLevel.Warning, Message = "Meeting {Number} on {Relay}: the relay does not mix audio ({Reason}); it stays switched")]
        public static partial void AudioMixRefused(ILogger logger, string number, string relay, string reason);

        [LoggerMessage(EventId = 18120, Level = LogLevel.Warning, Message = "Conductor action {Action} could not be forwarded to the node that drives the relays")]
        public static partial void ForwardFailed(ILogger logger, Exception exception, string action);
    }
}
