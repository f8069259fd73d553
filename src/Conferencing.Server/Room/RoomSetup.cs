using Conferencing.Server.Documents;

namespace Conferencing.Server.Room;

/// <summary>
/// Composition of the paperless room (documents, QR access, delegates, room displays, the room hub,
/// speaking and voting), kept apart from <see cref="Hosting.ServerSetup"/> so that file only gains
/// two calls.
/// </summary>
public static class RoomSetup
{
    public static IServiceCollection AddPaperlessRoom(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<DocumentOptions>().BindConfiguration(DocumentOptions.Section)
            .Validate(o => o.Validate() is null, "Documents settings are invalid: check Documents:StoragePath, MaxUploadBytes and StampedCopyLifetime.")
            .ValidateOnStart();
        services.AddSingleton<RoomFeed>();
        services.AddSingleton<DocumentFiles>();
        services.AddSingleton<DocumentStamper>();
        services.AddSingleton<DocumentStore>();
        services.AddSingleton<DocumentService>();
        return services;
    }

    public static IEndpointRouteBuilder MapPaperlessRoom(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        routes.MapDocumentApi();
        return routes;
    }
}
