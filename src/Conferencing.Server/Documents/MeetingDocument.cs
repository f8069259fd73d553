namespace Conferencing.Server.Documents;

/// <summary>One uploaded file of a document. Versions are never changed or deleted once stored.</summary>
/// <param name="Version">1 for the first upload, then 2, 3, …</param>
/// <param name="FileName">The uploader's file name, sanitized.</param>
/// <param name="Sha256">Hex SHA-256 of the bytes, which also names the stored file.</param>
public sealed record DocumentVersion(int Version, string FileName, long SizeBytes, string Sha256, int PageCount, string UploadedBy, DateTimeOffset UploadedUtc);

/// <summary>A document of a meeting, optionally tied to one agenda item, with its versions.</summary>
public sealed record MeetingDocument(
    Guid Id,
    Guid MeetingId,
    Guid? AgendaItemId,
    string Title,
    bool Confidential,
    int Order,
    int CurrentVersion,
    IReadOnlyList<DocumentVersion> Versions,
    string CreatedBy,
    DateTimeOffset CreatedUtc,
    DateTimeOffset UpdatedUtc)
{
    public DocumentVersion Current => Versions.First(v => v.Version == CurrentVersion);

    public DocumentVersion? Find(int version) => Versions.FirstOrDefault(v => v.Version == version);
}

/// <summary>Who opened what, when, from which device: the record kept for every open.</summary>
public sealed record DocumentOpen(
    Guid Id,
    Guid MeetingId,
    Guid DocumentId,
    int Version,
    string ReaderKind,
    string ReaderId,
    string ReaderName,
    Guid? SessionId,
    string Device,
    string? Address,
    bool Stamped,
    DateTimeOffset OpenedUtc);

/// <summary>Who reads a document: a delegate, a room display or a staff member. Stamps and the open record name them.</summary>
public sealed record Reader(string Kind, string Id, string Name, string? Unit, Guid? SessionId)
{
    public const string DelegateKind = "delegate";
    public const string DisplayKind = "display";
    public const string StaffKind = "staff";
}
