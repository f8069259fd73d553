namespace Conferencing.Server.Room;

/// <summary>
/// <c>rotate-room-key</c>: the one-time command form of <c>POST /api/room-keys/rotate</c>, for an
/// operator on the server (after a suspected leak, or on a schedule), audited as the setup command.
/// </summary>
public static class RoomKeyCommand
{
    public const string Name = "rotate-room-key";

    public static async Task<int> RunAsync(IServiceProvider services, string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length != 1)
        {
            await Console.Error.WriteLineAsync($"usage: {Name}").ConfigureAwait(false);
            return 2;
        }

        var keys = services.GetRequiredService<RoomKeys>();
        var before = await keys.CurrentAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            var rotated = await keys.RotateAsync("setup-command", CancellationToken.None).ConfigureAwait(false);
            Console.WriteLine($"Room key {rotated.Id} is current; key {before.Id} is retired (it still verifies room codes and tickets for {keys.RetiredWindow} and its meetings' invitations and PINs until they are over).");
            return 0;
        }
        catch (Common.DomainException e)
        {
            await Console.Error.WriteLineAsync(e.Message).ConfigureAwait(false);
            return 1;
        }
    }
}
