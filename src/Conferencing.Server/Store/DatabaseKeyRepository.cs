using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Conferencing.Server.Store;

/// <summary>
/// Keeps ASP.NET Core data-protection keys in the store, so that protected endpoint passwords and
/// login cookies stay readable after a restart and across every control-plane node sharing one
/// PostgreSQL database.
/// </summary>
public sealed class DatabaseKeyRepository(Database database) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = database.Open();
        using var command = connection.Command(null, "SELECT xml FROM data_protection_keys ORDER BY created_utc");
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
        {
            elements.Add(XElement.Parse(reader.GetString(0)));
        }

        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        using var connection = database.Open();
        using var command = connection.Command(null,
            "INSERT INTO data_protection_keys (name, xml, created_utc) VALUES (@n, @x, @t) ON CONFLICT (name) DO UPDATE SET xml = excluded.xml",
            ("n", friendlyName), ("x", element.ToString(SaveOptions.DisableFormatting)), ("t", database.ToDb(DateTimeOffset.UtcNow)));
        command.ExecuteNonQuery();
    }
}
