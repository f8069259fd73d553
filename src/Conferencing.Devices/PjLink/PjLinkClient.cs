using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Conferencing.Devices.PjLink;

/// <summary>What the projector told us in one poll; a field is null when the projector refused that query.</summary>
public sealed record PjLinkStatus(
    PjLinkPower Power, string? Input, string? AvMute, PjLinkErrorStatus? Errors, IReadOnlyList<PjLinkLamp> Lamps);

/// <summary>
/// A PJLink class 1 controller. Each call opens a connection, reads the greeting, authenticates when
/// asked, sends its commands one after the other on that connection and closes it: projectors drop
/// idle connections after 30 s anyway, and a fresh connection per call cannot be left half-read.
/// </summary>
public sealed class PjLinkClient
{
    /// <summary>The default time for one call, connect to last answer: 5 s.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    private readonly IPEndPoint _projector;
    private readonly string? _password;
    private readonly TimeSpan _timeout;

    public PjLinkClient(IPEndPoint projector, string? password = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(projector);
        _projector = projector;
        _password = string.IsNullOrEmpty(password) ? null : password;
        _timeout = timeout ?? DefaultTimeout;
    }

    public async Task SetPowerAsync(bool on, CancellationToken cancellationToken) =>
        Expect(await SendOneAsync(PjLinkProtocol.Command("POWR", on ? "1" : "0"), cancellationToken).ConfigureAwait(false), "OK");

    public async Task SetInputAsync(string input, CancellationToken cancellationToken)
    {
        if (!PjLinkProtocol.IsValidInput(input))
        {
            throw new ArgumentException($"'{input}' is not a PJLink input (11..59)", nameof(input));
        }

        Expect(await SendOneAsync(PjLinkProtocol.Command("INPT", input), cancellationToken).ConfigureAwait(false), "OK");
    }

    /// <summary>AV mute on (31) or off (30).</summary>
    public async Task SetAvMuteAsync(bool muted, CancellationToken cancellationToken) =>
        Expect(await SendOneAsync(PjLinkProtocol.Command("AVMT", muted ? "31" : "30"), cancellationToken).ConfigureAwait(false), "OK");

    public async Task<PjLinkPower> GetPowerAsync(CancellationToken cancellationToken)
    {
        var value = Expect(await SendOneAsync(PjLinkProtocol.Query("POWR"), cancellationToken).ConfigureAwait(false), null);
        return ParsePower(value);
    }

    /// <summary>Power, input, mute, error status and lamps over one connection.</summary>
    public async Task<PjLinkStatus> GetStatusAsync(CancellationToken cancellationToken)
    {
        var answers = await SendAsync(
            [PjLinkProtocol.Query("POWR"), PjLinkProtocol.Query("INPT"), PjLinkProtocol.Query("AVMT"), PjLinkProtocol.Query("ERST"), PjLinkProtocol.Query("LAMP")],
            cancellationToken).ConfigureAwait(false);
        var power = ParsePower(Expect(answers[0], null));
        string? Value(PjLinkResponse r) => r.Error is null ? r.Value : null;
        PjLinkErrorStatus? errors = Value(answers[3]) is { } erst
            ? PjLinkErrorStatus.TryParse(erst, out var parsed) ? parsed : throw Malformed("ERST", erst)
            : null;
        IReadOnlyList<PjLinkLamp> lamps = Value(answers[4]) is { } lamp
            ? PjLinkProtocol.TryParseLamps(lamp, out var list) ? list : throw Malformed("LAMP", lamp)
            : [];
        return new PjLinkStatus(power, Value(answers[1]), Value(answers[2]), errors, lamps);
    }

    private static PjLinkPower ParsePower(string value) => value is ['0' or '1' or '2' or '3']
        ? (PjLinkPower)(value[0] - '0')
        : throw Malformed("POWR", value);

    private static DeviceException Malformed(string body, string value) =>
        new(DeviceFailure.ProtocolError, $"projector answered {body}={value}");

    private static string Expect(PjLinkResponse response, string? value)
    {
        if (response.Error is { } error)
        {
            throw new DeviceException(DeviceFailure.DeviceError, $"projector: {PjLinkProtocol.Describe(error)}");
        }

        if (value is not null && response.Value != value)
        {
            throw Malformed(response.Body, response.Value);
        }

        return response.Value;
    }

    private async Task<PjLinkResponse> SendOneAsync(string command, CancellationToken cancellationToken) =>
        (await SendAsync([command], cancellationToken).ConfigureAwait(false))[0];

    /// <summary>Sends the commands on one connection and returns one response per command, in order.</summary>
    public async Task<IReadOnlyList<PjLinkResponse>> SendAsync(IReadOnlyList<string> commands, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(commands);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        try
        {
            using var client = new TcpClient(_projector.AddressFamily) { NoDelay = true };
            await client.ConnectAsync(_projector, deadline.Token).ConfigureAwait(false);
            var stream = client.GetStream();
            var reader = new LineReader(stream);
            var greeting = await reader.ReadLineAsync(deadline.Token).ConfigureAwait(false);
            if (!PjLinkProtocol.TryParseGreeting(greeting, out var authenticated, out var random))
            {
                throw new DeviceException(DeviceFailure.ProtocolError, $"projector greeted with '{greeting}', not PJLINK 0 or PJLINK 1");
            }

            if (authenticated && _password is null)
            {
                throw new DeviceException(DeviceFailure.AuthenticationFailed, "projector asks for a PJLink password and none is configured");
            }

            var responses = new List<PjLinkResponse>(commands.Count);
            for (var i = 0; i < commands.Count; i++)
            {
                var line = i == 0 && authenticated ? PjLinkProtocol.Digest(random!, _password!) + commands[i] : commands[i];
                await stream.WriteAsync(Encoding.ASCII.GetBytes(line), deadline.Token).ConfigureAwait(false);
                var answer = await reader.ReadLineAsync(deadline.Token).ConfigureAwait(false);
                if (answer == PjLinkProtocol.AuthError)
                {
                    throw new DeviceException(DeviceFailure.AuthenticationFailed, "projector refused the PJLink password (ERRA)");
                }

                if (!PjLinkProtocol.TryParseResponse(answer, out var response) || response.Body != commands[i][2..6])
                {
                    throw new DeviceException(DeviceFailure.ProtocolError, $"projector answered '{answer}' to '{commands[i].TrimEnd()}'");
                }

                responses.Add(response);
            }

            return responses;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DeviceException(DeviceFailure.Unreachable, $"projector {_projector} did not answer within {_timeout.TotalSeconds:0.#} s");
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            throw new DeviceException(DeviceFailure.Unreachable, $"projector {_projector} unreachable: {e.Message}", e);
        }
    }

    /// <summary>Reads CR-terminated ASCII lines, refusing one longer than the specification allows.</summary>
    internal sealed class LineReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[PjLinkProtocol.MaxLine * 2];
        private int _start;
        private int _end;

        public async Task<string> ReadLineAsync(CancellationToken cancellationToken) =>
            await TryReadLineAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new IOException("connection closed before the line ended");

        public async Task<string?> TryReadLineAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                var cr = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\r');
                if (cr >= 0)
                {
                    var line = Encoding.ASCII.GetString(_buffer, _start, cr);
                    _start += cr + 1;
                    return line;
                }

                if (_end - _start >= PjLinkProtocol.MaxLine)
                {
                    throw new DeviceException(DeviceFailure.ProtocolError, $"line longer than {PjLinkProtocol.MaxLine} bytes");
                }

                if (_start > 0)
                {
                    _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                    _end -= _start;
                    _start = 0;
                }

                var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return null;
                }

                _end += read;
            }
        }
    }
}
