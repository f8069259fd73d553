namespace Conferencing.Server.Hosting;

/// <summary>
/// Files only the server's own account may read: the SQLite database (its journal and WAL files take
/// the database file's mode), the key-encryption key and the meeting documents. A directory the server
/// makes for them is 700 and a file 600 on Unix; an existing one is left as the operator set it.
/// </summary>
public static class OwnerOnly
{
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            // One by one: given a path, the framework applies the mode to the last folder only.
            var missing = new Stack<string>();
            for (var folder = Path.GetFullPath(path); !Directory.Exists(folder); folder = Path.GetDirectoryName(folder)!)
            {
                missing.Push(folder);
            }

            while (missing.TryPop(out var folder))
            {
                Directory.CreateDirectory(folder, DirectoryMode);
            }
        }
    }

    /// <summary>Makes an empty file (and its folder) if there is none, so that whoever fills it later keeps the mode.</summary>
    public static void CreateFile(string path)
    {
        if (Path.GetDirectoryName(path) is { Length: > 0 } directory)
        {
            CreateDirectory(directory);
        }

        try
        {
            using var _ = OpenNew(path);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Already there (or made by another process just now): its mode is the operator's.
        }
    }

    /// <summary>A new file for writing; fails if it exists.</summary>
    public static FileStream OpenNew(string path, bool useAsync = false)
    {
        var options = new FileStreamOptions
        {
            Mode = System.IO.FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = 81920,
            Options = useAsync ? FileOptions.Asynchronous : FileOptions.None,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode;
        }

        return new FileStream(path, options);
    }

    /// <summary>True when group and others have no access (always true off Unix, where ACLs decide).</summary>
    public static bool IsOwnerOnly(string path) =>
        OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & ~(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute)) == 0;
}
