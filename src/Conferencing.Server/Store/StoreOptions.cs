using System.Data.Common;

namespace Conferencing.Server.Store;

/// <summary>Which database engine holds the data.</summary>
public enum StoreProvider
{
    /// <summary>Embedded SQLite file, the default for one server.</summary>
    Sqlite,

    /// <summary>PostgreSQL, for production and several control-plane nodes.</summary>
    PostgreSql,
}

/// <summary>Where the data lives. Bound from the <c>Store</c> section.</summary>
public sealed class StoreOptions
{
    public const string Section = "Store";

    /// <summary>The default: a SQLite file under ./data next to where the server runs.</summary>
    public const string DefaultConnectionString = "Data Source=data/conferencing.db";

    /// <summary>
    /// ADO.NET connection string. One with <c>Host=</c> (or <c>Server=</c>) names PostgreSQL; one with
    /// <c>Data Source=</c> names a SQLite file. The default is <see cref="DefaultConnectionString"/>.
    /// </summary>
    public string ConnectionString { get; set; } = DefaultConnectionString;

    /// <summary>Forces the provider instead of inferring it from the connection string.</summary>
    public StoreProvider? Provider { get; set; }

    /// <summary>The provider in force: the explicit one, else the one the connection string names.</summary>
    public StoreProvider ResolveProvider()
    {
        if (Provider is { } explicitProvider)
        {
            return explicitProvider;
        }

        var builder = new DbConnectionStringBuilder();
        try
        {
            builder.ConnectionString = ConnectionString;
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"Store:ConnectionString is not a valid connection string: {e.Message}", e);
        }

        if (builder.ContainsKey("Host") || builder.ContainsKey("Server"))
        {
            return StoreProvider.PostgreSql;
        }

        if (builder.ContainsKey("Data Source") || builder.ContainsKey("DataSource") || builder.ContainsKey("Filename"))
        {
            return StoreProvider.Sqlite;
        }

        throw new InvalidOperationException(
            "Store:ConnectionString names neither a SQLite file (Data Source=...) nor a PostgreSQL server (Host=...).");
    }
}
