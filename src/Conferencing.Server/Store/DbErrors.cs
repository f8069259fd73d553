using System.Data.Common;

namespace Conferencing.Server.Store;

/// <summary>Store errors that mean a rule held, not that the store failed.</summary>
public static class DbErrors
{
    /// <summary>
    /// A unique index refused the row: another node (or request) got there first. PostgreSQL says
    /// SQLSTATE 23505; SQLite says constraint (19) with the unique extended code (2067).
    /// </summary>
    public static bool IsUniqueViolation(DbException exception) => exception switch
    {
        Npgsql.PostgresException postgres => postgres.SqlState == "23505",
        Microsoft.Data.Sqlite.SqliteException sqlite => sqlite.SqliteErrorCode == 19 && sqlite.SqliteExtendedErrorCode is 2067 or 1555,
        _ => false,
    };
}
