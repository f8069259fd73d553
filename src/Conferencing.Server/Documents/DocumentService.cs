using System.Globalization;
using Conferencing.Server.Common;
using Conferencing.Server.Meetings;
using Conferencing.Server.Store;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.Documents;

/// <summary>What the secretariat sets on a document besides its file.</summary>
public sealed record DocumentChanges(string? Title, bool? Confidential, Guid? AgendaItemId, bool ClearAgendaItem = false);

/// <summary>
/// Documents of meetings: upload, versions, order, confidential flag, and the copies readers get
/// (the original, or for a confidential document a copy stamped with the reader's name on every
/// page). Every open is recorded. Changes are audited in the same transaction and published on the
/// <see cref="DocumentFeed"/> after the commit.
/// </summary>
public sealed partial class DocumentService(
    Database database, DocumentStore store, DocumentFiles files, DocumentStamper stamper, MeetingService meetings, AuditLog audit,
    DocumentFeed feed, IOptions<DocumentOptions> options, TimeProvider time, ILogger<DocumentService> logger) : IDisposable
{
    public const int MaxTitleLength = 300;

    private readonly KeyedLock<string> _stampLocks = new();
    private readonly System.Threading.RateLimiting.PartitionedRateLimiter<string> _stampings = System.Threading.RateLimiting.PartitionedRateLimiter.Create<string, string>(
        reader => System.Threading.RateLimiting.RateLimitPartition.GetSlidingWindowLimiter(reader, _ => new System.Threading.RateLimiting.SlidingWindowRateLimiterOptions
        {
            PermitLimit = options.Value.MaxStampedCopiesPerMinute,
            Window = TimeSpan.FromMinutes(1),
            SegmentsPerWindow = 6,
            QueueLimit = 0,
        }));

    public Task<IReadOnlyList<MeetingDocument>> ListAsync(Guid meetingId, CancellationToken cancellationToken) => store.ListAsync(meetingId, cancellationToken);

    public Task<MeetingDocument?> GetAsync(Guid id, CancellationToken cancellationToken) => store.GetAsync(id, cancellationToken);

    /// <summary>Stores a new document (version 1) at the end of the meeting's list.</summary>
    public async Task<MeetingDocument> UploadAsync(Guid meetingId, Stream content, string? fileName, DocumentChanges details, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(details);
        var meeting = await meetings.GetAsync(meetingId, cancellationToken).ConfigureAwait(false) ?? throw DomainException.NotFound("meeting", meetingId.ToString());
        CheckMeetingTakesDocuments(meeting);
        var agendaItem = CheckAgendaItem(meeting, details.AgendaItemId);
        var stored = await files.StoreAsync(content, fileName, cancellationToken).ConfigureAwait(false);
        var title = CheckTitle(details.Title ?? Path.GetFileNameWithoutExtension(stored.FileName));
        var now = time.GetUtcNow();
        var document = await database.InTransactionAsync(async (connection, transaction) =>
        {
            var order = await store.NextOrderAsync(connection, transaction, meetingId, cancellationToken).ConfigureAwait(false);
            var document = new MeetingDocument(Guid.NewGuid(), meetingId, agendaItem, title, details.Confidential ?? false, order, 1,
                [new DocumentVersion(1, stored.FileName, stored.SizeBytes, stored.Sha256, stored.PageCount, actor, now)], actor, now, now);
            await store.InsertAsync(connection, transaction, document, cancellationToken).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "document.uploaded", "document", document.Id.ToString(),
                string.Create(CultureInfo.InvariantCulture, $"{title} ({stored.FileName}, {stored.PageCount} pages, sha256 {stored.Sha256[..12]}…){(document.Confidential ? ", confidential" : "")} for meeting {meetingId}"),
                cancellationToken).ConfigureAwait(false);
            return document;
        }, cancellationToken).ConfigureAwait(false);
        await feed.PublishAsync(new DocumentsChanged(meetingId), cancellationToken).ConfigureAwait(false);
        return document;
    }

    /// <summary>Adds a version; it becomes the current one. Earlier versions stay readable by staff.</summary>
    public async Task<MeetingDocument> AddVersionAsync(Guid documentId, Stream content, string? fileName, string actor, CancellationToken cancellationToken)
    {
        var existing = await store.GetAsync(documentId, cancellationToken).ConfigureAwait(false) ?? throw DomainException.NotFound("document", documentId.ToString());
        var meeting = await meetings.GetAsync(existing.MeetingId, cancellationToken).ConfigureAwait(false) ?? throw DomainException.NotFound("meeting", existing.MeetingId.ToString());
        CheckMeetingTakesDocuments(meeting);
        var stored = await files.StoreAsync(content, fileName, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var saved = await database.InTransactionAsync(async (connection, transaction) =>
        {
            var current = await store.GetAsync(connection, transaction, documentId, cancellationToken).ConfigureAwait(false)
                ?? throw DomainException.NotFound("document", documentId.ToString());
            var next = current.Versions.Max(v => v.Version) + 1;
            var version = new DocumentVersion(next, stored.FileName, stored.SizeBytes, stored.Sha256, stored.PageCount, actor, now);
            // The primary key (document, version) makes a concurrent upload of the same number fail rather than overwrite.
            await store.InsertVersionAsync(connection, transaction, documentId, version, cancellationToken).ConfigureAwait(false);
            var updated = current with { CurrentVersion = next, UpdatedUtc = now, Versions = [.. current.Versions, version] };
            await store.UpdateHeaderAsync(connection, transaction, updated, cancellationToken).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "document.version", "document", documentId.ToString(),
                string.Create(CultureInfo.InvariantCulture, $"{current.Title}: version {next} ({stored.FileName}, {stored.PageCount} pages, sha256 {stored.Sha256[..12]}…)"),
                cancellationToken).ConfigureAwait(false);
            return updated;
        }, cancellationToken).ConfigureAwait(false);
        await feed.PublishAsync(new DocumentsChanged(saved.MeetingId), cancellationToken).ConfigureAwait(false);
        return saved;
    }

    public async Task<MeetingDocument> UpdateAsync(Guid documentId, DocumentChanges changes, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var existing = await store.GetAsync(documentId, cancellationToken).ConfigureAwait(false) ?? throw DomainException.NotFound("document", documentId.ToString());
        var meeting = await meetings.GetAsync(existing.MeetingId, cancellationToken).ConfigureAwait(false) ?? throw DomainException.NotFound("meeting", existing.MeetingId.ToString());
        var agendaItem = changes.ClearAgendaItem ? null : changes.AgendaItemId is null ? existing.AgendaItemId : CheckAgendaItem(meeting, changes.AgendaItemId);
        var title = changes.Title is null ? existing.Title : CheckTitle(changes.Title);
        var saved = await database.InTransactionAsync(async (connection, transaction) =>
        {
            var current = await store.GetAsync(connection, transaction, documentId, cancellationToken).ConfigureAwait(false)
                ?? throw DomainException.NotFound("document", documentId.ToString());
            var updated = current with { Title = title, Confidential = changes.Confidential ?? current.Confidential, AgendaItemId = agendaItem, UpdatedUtc = time.GetUtcNow() };
            await store.UpdateHeaderAsync(connection, transaction, updated, cancellationToken).ConfigureAwait(false);
            var flag = updated.Confidential == current.Confidential ? "" : updated.Confidential ? ", now confidential" : ", no longer confidential";
            await audit.WriteAsync(connection, transaction, actor, "document.updated", "document", documentId.ToString(), $"{updated.Title}{flag}", cancellationToken).ConfigureAwait(false);
            return updated;
        }, cancellationToken).ConfigureAwait(false);
        await feed.PublishAsync(new DocumentsChanged(saved.MeetingId), cancellationToken).ConfigureAwait(false);
        return saved;
    }

    /// <summary>Sets the order of a meeting's documents; the list must name each of them exactly once.</summary>
    public async Task<IReadOnlyList<MeetingDocument>> ReorderAsync(Guid meetingId, IReadOnlyList<Guid>? order, string actor, CancellationToken cancellationToken)
    {
        if (order is null || order.Count == 0)
        {
            throw DomainException.Invalid("documentIds", "Give the ids of the meeting's documents in the new order.");
        }

        var list = await database.InTransactionAsync(async (connection, transaction) =>
        {
            var current = await store.ListAsync(connection, transaction, meetingId, cancellationToken).ConfigureAwait(false);
            var ids = current.Select(d => d.Id).ToHashSet();
            if (order.Count != ids.Count || order.Distinct().Count() != order.Count || !order.All(ids.Contains))
            {
                throw new DomainException(DomainErrorKind.Invalid, "document.order-mismatch",
                    string.Create(CultureInfo.InvariantCulture, $"The order must name each of the meeting's {ids.Count} documents exactly once; it names {order.Count} ids."), "documentIds");
            }

            var now = time.GetUtcNow();
            var byId = current.ToDictionary(d => d.Id);
            var result = new List<MeetingDocument>(order.Count);
            for (var i = 0; i < order.Count; i++)
            {
                var updated = byId[order[i]] with { Order = i + 1, UpdatedUtc = now };
                await store.UpdateHeaderAsync(connection, transaction, updated, cancellationToken).ConfigureAwait(false);
                result.Add(updated);
            }

            await audit.WriteAsync(connection, transaction, actor, "document.reordered", "meeting", meetingId.ToString(),
                string.Join(", ", result.Select(d => d.Title)), cancellationToken).ConfigureAwait(false);
            return result;
        }, cancellationToken).ConfigureAwait(false);
        await feed.PublishAsync(new DocumentsChanged(meetingId), cancellationToken).ConfigureAwait(false);
        return list;
    }

    /// <summary>Withdraws a document from the meeting. Its files and open records stay for the record.</summary>
    public async Task DeleteAsync(Guid documentId, string actor, CancellationToken cancellationToken)
    {
        var meetingId = await database.InTransactionAsync(async (connection, transaction) =>
        {
            var current = await store.GetAsync(connection, transaction, documentId, cancellationToken).ConfigureAwait(false)
                ?? throw DomainException.NotFound("document", documentId.ToString());
            await store.SoftDeleteAsync(connection, transaction, documentId, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "document.withdrawn", "document", documentId.ToString(), current.Title, cancellationToken).ConfigureAwait(false);
            return current.MeetingId;
        }, cancellationToken).ConfigureAwait(false);
        await feed.PublishAsync(new DocumentsChanged(meetingId), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The stored original of a version for a staff member; the read is recorded like any open.</summary>
    public async Task<string> OriginalForStaffAsync(MeetingDocument document, DocumentVersion version, Reader reader, string? device, string? address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(reader);
        var open = new DocumentOpen(Guid.NewGuid(), document.MeetingId, document.Id, version.Version, reader.Kind, reader.Id, reader.Name, null,
            DeviceLabel(device), address, false, time.GetUtcNow());
        await store.RecordOpenAsync(open, cancellationToken).ConfigureAwait(false);
        Log.Opened(logger, document.Id, version.Version, reader.Kind, reader.Id, open.Id);
        return files.PathFor(version.Sha256);
    }

    /// <summary>
    /// Records that <paramref name="reader"/> opens the current version of a document and returns the
    /// open. For a confidential document the stamped copy is made now, with the time of this open.
    /// </summary>
    public async Task<DocumentOpen> OpenAsync(MeetingDocument document, Reader reader, string? device, string? address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(reader);
        var version = document.Current;
        var open = new DocumentOpen(Guid.NewGuid(), document.MeetingId, document.Id, version.Version, reader.Kind, reader.Id, reader.Name, reader.SessionId,
            DeviceLabel(device), address, document.Confidential, time.GetUtcNow());
        if (document.Confidential)
        {
            // One stamping at a time per reader: a phone that taps "open" twenty times costs twenty
            // stampings in a row, not twenty at once.
            using (await _stampLocks.AcquireAsync(reader.Kind + ":" + reader.Id, cancellationToken).ConfigureAwait(false))
            {
                await StampedCopyAsync(open, document, version, reader, cancellationToken).ConfigureAwait(false);
            }
        }

        await store.RecordOpenAsync(open, cancellationToken).ConfigureAwait(false);
        Log.Opened(logger, document.Id, version.Version, reader.Kind, reader.Id, open.Id);
        return open;
    }

    /// <summary>The file to serve for an open: the stamped copy of a confidential document, else the original.</summary>
    public async Task<string?> FileForOpenAsync(DocumentOpen open, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(open);
        if (open.Stamped)
        {
            // Past its lifetime a copy is refused even if the sweeper has not reached it yet.
            var path = StampedPath(open.Id);
            return time.GetUtcNow() - open.OpenedUtc <= options.Value.StampedCopyLifetime && File.Exists(path) ? path : null;
        }

        var document = await store.GetAsync(open.DocumentId, cancellationToken).ConfigureAwait(false);
        return document?.Find(open.Version) is { } v ? files.PathFor(v.Sha256) : null;
    }

    private async Task StampedCopyAsync(DocumentOpen open, MeetingDocument document, DocumentVersion version, Reader reader, CancellationToken cancellationToken)
    {
        var path = StampedPath(open.Id);
        Hosting.OwnerOnly.CreateDirectory(Path.GetDirectoryName(path)!);
        var stamp = new DocumentStamp(reader.Name, reader.Unit, open.OpenedUtc, document.Title, open.Id);
        var bytes = await Task.Run(() => stamper.Stamp(files.PathFor(version.Sha256), stamp), cancellationToken).ConfigureAwait(false);
        var temp = path + ".part";
        File.Delete(temp);
        await using (var file = Hosting.OwnerOnly.OpenNew(temp, useAsync: true))
        {
            await file.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        }

        File.Move(temp, path, overwrite: true);
    }

    private string StampedPath(Guid openId) => Path.Combine(files.Root, "stamped", openId.ToString("N") + ".pdf");

    /// <summary>
    /// Takes one of the reader's stampings for this minute (<see cref="DocumentOptions.MaxStampedCopiesPerMinute"/>);
    /// false when the reader has used them all. Per node: a reader's requests go to one node in the
    /// common case, and a cluster multiplies the bound by its size, not more.
    /// </summary>
    public bool TryTakeStamping(Reader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        using var lease = _stampings.AttemptAcquire(reader.Kind + ":" + reader.Id);
        return lease.IsAcquired;
    }

    public void Dispose() => _stampings.Dispose();

    /// <summary>Deletes the stamped copies past their lifetime; the number deleted.</summary>
    public int SweepStampedCopies()
    {
        var folder = new DirectoryInfo(Path.Combine(files.Root, "stamped"));
        if (!folder.Exists)
        {
            return 0;
        }

        var now = time.GetUtcNow();
        var deleted = 0;
        foreach (var file in folder.EnumerateFiles("*.pdf*"))
        {
            if (now - file.LastWriteTimeUtc > options.Value.StampedCopyLifetime)
            {
                try
                {
                    file.Delete();
                    deleted++;
                }
                catch (IOException)
                {
                    // Being served right now; the next sweep takes it.
                }
            }
        }

        return deleted;
    }

    /// <summary>A short, printable description of the device from its User-Agent.</summary>
    public static string DeviceLabel(string? userAgent)
    {
        if (string.IsNullOrWhiteSpace(userAgent))
        {
            return "unknown";
        }

        var clean = new string(userAgent.Where(c => !char.IsControl(c)).ToArray()).Trim();
        return clean.Length <= 300 ? clean : clean[..300];
    }

    private static void CheckMeetingTakesDocuments(Meeting meeting)
    {
        if (meeting.Status == MeetingStatus.Cancelled)
        {
            throw new DomainException(DomainErrorKind.Conflict, "meeting.cancelled", $"Meeting '{meeting.Title}' is cancelled; it takes no documents.");
        }
    }

    private static Guid? CheckAgendaItem(Meeting meeting, Guid? agendaItemId)
    {
        if (agendaItemId is { } id && meeting.Agenda.All(a => a.Id != id))
        {
            throw DomainException.Invalid("agendaItemId", $"Agenda item {id} is not on the agenda of '{meeting.Title}'.");
        }

        return agendaItemId;
    }

    private static string CheckTitle(string? title)
    {
        var clean = title?.Normalize(System.Text.NormalizationForm.FormC).Trim();
        if (string.IsNullOrEmpty(clean) || clean.Length > MaxTitleLength || clean.Any(char.IsControl))
        {
            throw DomainException.Invalid("title", $"A document needs a title of 1 to {MaxTitleLength} characters without control characters.");
        }

        return clean;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "Document {DocumentId} v{Version} opened by {ReaderKind} {ReaderId} (open {OpenId})")]
        public static partial void Opened(ILogger logger, Guid documentId, int version, string readerKind, string readerId, Guid openId);
    }
}
