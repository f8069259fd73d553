using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Conferencing.Devices.PjLink;

namespace Conferencing.Devices.Simulation;

/// <summary>
/// A PJLink class 1 projector on a real TCP socket: greeting with or without authentication (a fresh
/// random per connection, ERRA and a closed connection for a wrong digest), POWR/INPT/AVMT/ERST/LAMP/
/// NAME/CLSS, ERR1 for unknown commands, ERR2 for a bad parameter, ERR3 for an input switch in standby,
/// ERR4 while <see cref="Faulty"/> is set.
/// </summary>
public sealed class PjLinkProjectorSimulator : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Lock _lock = new();
    private int _commands;

    public PjLinkProjectorSimulator(string? password = null, IPEndPoint? bind = null)
    {
        Password = string.IsNullOrEmpty(password) ? null : password;
        _listener = new TcpListener(bind ?? new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Start();
        EndPoint = (IPEndPoint)_listener.LocalEndpoint;
        _loop = Task.Run(AcceptAsync);
    }

    public IPEndPoint EndPoint { get; }

    public string? Password { get; }

    public string Name { get; init; } = "Projector";

    /// <summary>Inputs this projector has (RGB 1, digital 1 and 2, network 1).</summary>
    public IReadOnlySet<string> Inputs { get; init; } = new HashSet<string> { "11", "31", "32", "51" };

    public PjLinkPower Power { get; set; } = PjLinkPower.Off;

    public string Input { get; set; } = "11";

    public string AvMute { get; set; } = "30";

    public int LampHours { get; set; } = 1200;

    /// <summary>ERST digits: fan, lamp, temperature, cover, filter, other.</summary>
    public string ErrorStatus { get; set; } = "000000";

    /// <summary>While set, control commands answer ERR4 (a lamp or fan failure).</summary>
    public bool Faulty { get; set; }

    /// <summary>While set, accepted connections get no greeting and no answer (a hung projector).</summary>
    public bool Hung { get; set; }

    public int Commands => Volatile.Read(ref _commands);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        // The specification closes a connection after 30 s without a command.
        idle.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            var stream = client.GetStream();
            if (Hung)
            {
                await Task.Delay(Timeout.Infinite, idle.Token).ConfigureAwait(false);
            }

            var random = Password is null ? null : Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
            await WriteAsync(stream, random is null ? "PJLINK 0" : $"PJLINK 1 {random}", idle.Token).ConfigureAwait(false);
            var reader = new PjLinkClient.LineReader(stream);
            var first = true;
            while (await reader.TryReadLineAsync(idle.Token).ConfigureAwait(false) is { } line)
            {
                if (first && random is not null)
                {
                    var expected = PjLinkProtocol.Digest(random, Password!);
                    if (line.Length < 32 || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(line[..32]), Encoding.ASCII.GetBytes(expected)))
                    {
                        await WriteAsync(stream, PjLinkProtocol.AuthError, idle.Token).ConfigureAwait(false);
                        return;
                    }

                    line = line[32..];
                }

                first = false;
                Interlocked.Increment(ref _commands);
                await WriteAsync(stream, Answer(line), idle.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or DeviceException or ObjectDisposedException)
        {
        }
    }

    private string Answer(string line)
    {
        if (line.Length < 7 || line[0] != '%' || line[1] != '1' || line[6] != ' ')
        {
            return line.Length >= 6 && line[0] == '%' ? $"%1{line[2..6]}=ERR1" : "%1XXXX=ERR1";
        }

        var body = line[2..6];
        var parameter = line[7..];
        string Reply(string value) => $"%1{body}={value}";
        lock (_lock)
        {
            if (parameter == "?")
            {
                return body switch
                {
                    "POWR" => Reply(((int)Power).ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    "INPT" => Reply(Input),
                    "AVMT" => Reply(AvMute),
                    "ERST" => Reply(ErrorStatus),
                    "LAMP" => Reply(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{LampHours} {(Power == PjLinkPower.On ? 1 : 0)}")),
                    "INST" => Reply(string.Join(' ', Inputs.Order(StringComparer.Ordinal))),
                    "NAME" => Reply(Name),
                    "INF1" => Reply("Conferencing"),
                    "INF2" => Reply("Simulated PJLink projector"),
                    "INFO" => Reply(""),
                    "CLSS" => Reply("1"),
                    _ => Reply("ERR1"),
                };
            }

            if (body is "POWR" or "INPT" or "AVMT" && Faulty)
            {
                return Reply("ERR4");
            }

            switch (body)
            {
                case "POWR" when parameter is "0" or "1":
                    Power = parameter == "1" ? PjLinkPower.On : PjLinkPower.Off;
                    return Reply("OK");
                case "POWR":
                    return Reply("ERR2");
                case "INPT" when !Inputs.Contains(parameter):
                    return Reply("ERR2");
                case "INPT" when Power != PjLinkPower.On:
                    return Reply("ERR3");
                case "INPT":
                    Input = parameter;
                    return Reply("OK");
                case "AVMT" when parameter is "10" or "11" or "20" or "21" or "30" or "31":
                    AvMute = parameter;
                    return Reply("OK");
                case "AVMT":
                    return Reply("ERR2");
                default:
                    return Reply("ERR1");
            }
        }
    }

    private static Task WriteAsync(Stream stream, string line, CancellationToken cancellationToken) =>
        stream.WriteAsync(Encoding.ASCII.GetBytes(line + PjLinkProtocol.Terminator), cancellationToken).AsTask();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
