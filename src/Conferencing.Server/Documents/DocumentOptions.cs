namespace Conferencing.Server.Documents;

/// <summary>Where meeting documents live and what an upload may be. Bound from <c>Documents</c>.</summary>
public sealed class DocumentOptions
{
    public const string Section = "Documents";

    /// <summary>The default storage folder: data/documents under the working directory, outside the web root.</summary>
    public const string DefaultStoragePath = "data/documents";

    /// <summary>The default upload limit: 50 MB, room for a scanned report of a few hundred pages.</summary>
    public const long DefaultMaxUploadBytes = 50L * 1024 * 1024;

    /// <summary>The default lifetime of a stamped confidential copy on disk: 2 hours.</summary>
    public static readonly TimeSpan DefaultStampedCopyLifetime = TimeSpan.FromHours(2);

    /// <summary>The default interval between sweeps of expired stamped copies: 5 minutes.</summary>
    public static readonly TimeSpan DefaultStampedCopySweepInterval = TimeSpan.FromMinutes(5);

    /// <summary>The default number of stamped copies one reader may have made per minute: 10.</summary>
    public const int DefaultMaxStampedCopiesPerMinute = 10;

    /// <summary>
    /// Folder for the PDF files, named by their SHA-256. Several control-plane nodes must share it
    /// (a network mount). The default is <see cref="DefaultStoragePath"/>.
    /// </summary>
    public string StoragePath { get; set; } = DefaultStoragePath;

    /// <summary>The largest PDF accepted. The default is <see cref="DefaultMaxUploadBytes"/>.</summary>
    public long MaxUploadBytes { get; set; } = DefaultMaxUploadBytes;

    /// <summary>
    /// How long a stamped copy of a confidential document is kept for the viewer's range requests
    /// before it is deleted. The default is <see cref="DefaultStampedCopyLifetime"/>.
    /// </summary>
    public TimeSpan StampedCopyLifetime { get; set; } = DefaultStampedCopyLifetime;

    /// <summary>How often expired stamped copies are deleted from disk. The default is <see cref="DefaultStampedCopySweepInterval"/>.</summary>
    public TimeSpan StampedCopySweepInterval { get; set; } = DefaultStampedCopySweepInterval;

    /// <summary>
    /// How many confidential copies one reader (a delegate, a room display) may have stamped per
    /// minute, on each node; each costs a few milliseconds a page and a file. The default is
    /// <see cref="DefaultMaxStampedCopiesPerMinute"/>.
    /// </summary>
    public int MaxStampedCopiesPerMinute { get; set; } = DefaultMaxStampedCopiesPerMinute;

    /// <summary>The storage folder as an absolute path.</summary>
    public string FullStoragePath => Path.GetFullPath(StoragePath);

    /// <summary>Null when the settings are usable, else what is wrong.</summary>
    public string? Validate()
    {
        if (string.IsNullOrWhiteSpace(StoragePath))
        {
            return "Documents:StoragePath must name a folder.";
        }

        var full = FullStoragePath.Replace('\\', '/');
        if (full.Split('/').Contains("wwwroot", StringComparer.OrdinalIgnoreCase))
        {
            return $"Documents:StoragePath ({full}) must be outside the web root: documents are served only through access checks.";
        }

        if (MaxUploadBytes is < 1024 or > 1024L * 1024 * 1024)
        {
            return $"Documents:MaxUploadBytes must be between 1024 and 1073741824; it is {MaxUploadBytes}.";
        }

        if (StampedCopySweepInterval < TimeSpan.FromMilliseconds(100) || StampedCopySweepInterval > TimeSpan.FromHours(1))
        {
            return $"Documents:StampedCopySweepInterval must be between 100 ms and an hour; it is {StampedCopySweepInterval}.";
        }

        if (MaxStampedCopiesPerMinute < 1)
        {
            return $"Documents:MaxStampedCopiesPerMinute must be at least 1; it is {MaxStampedCopiesPerMinute}.";
        }

        return StampedCopyLifetime < TimeSpan.FromMinutes(1) ? $"Documents:StampedCopyLifetime must be at least one minute; it is {StampedCopyLifetime}." : null;
    }
}
