using Conferencing.Server.Common;
using Conferencing.Server.Hosting;

namespace Conferencing.Server.Documents;

/// <summary>A meeting's documents changed (added, replaced, reordered, removed), after the commit.</summary>
public sealed record DocumentsChanged(Guid MeetingId);

/// <summary>
/// The documents' own feed: whoever shows documents (the paperless room) listens here, so that
/// documents never call the room that displays them.
/// </summary>
public sealed partial class DocumentFeed(ILogger<DocumentFeed> logger) : ChangeFeed<DocumentsChanged>
{
    protected override void OnListenerFailed(Exception exception, DocumentsChanged change) =>
        Log.ListenerFailed(logger, exception, change.MeetingId);

    private static partial class Log
    {
        [LoggerMessage(EventId = 18122, Level = LogLevel.Error, Message = "A listener to the documents of meeting {MeetingId} failed")]
        public static partial void ListenerFailed(ILogger logger, Exception exception, Guid meetingId);
    }
}

/// <summary>What the documents feature needs: its settings, files, store, stamper, service and feed.</summary>
public static class DocumentsSetup
{
    public static IServiceCollection AddDocuments(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<DocumentOptions>().BindConfiguration(DocumentOptions.Section)
            .Check(o => o.Validate() is null, o => o.Validate()!)
            .ValidateOnStart();
        services.AddSingleton<DocumentFeed>();
        services.AddSingleton<DocumentFiles>();
        services.AddSingleton<DocumentStamper>();
        services.AddSingleton<DocumentStore>();
        services.AddSingleton<DocumentService>();
        services.AddHostedService<StampedCopySweeper>();
        return services;
    }
}
