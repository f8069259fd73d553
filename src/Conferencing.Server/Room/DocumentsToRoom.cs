using Conferencing.Server.Documents;

namespace Conferencing.Server.Room;

/// <summary>Tells the room's clients when a meeting's documents change: the one arrow between the two features points from the room to the documents.</summary>
internal sealed class DocumentsToRoom(DocumentFeed documents, RoomFeed room) : IHostedService
{
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = documents.Subscribe((change, ct) => room.PublishAsync(new RoomChange(change.MeetingId, RoomChangeKind.Documents), ct));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }
}
