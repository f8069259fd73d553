using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Conferencing.Room.Benchmarks;

/// <summary>
/// A minimal SignalR client: the JSON hub protocol over a raw WebSocket (the .NET SignalR client
/// does not restore here). Skips negotiation, which SignalR allows for WebSockets, sends the
/// handshake, invokes Join, then notes when each Presenter message with a given seq arrives.
/// </summary>
internal sealed class HubClient : IAsyncDisposable
{
    private const char RecordSeparator = '\u001e';
    private readonly ClientWebSocket _socket = new();
    private readonly long[] _arrivals;
    private readonly TaskCompletionSource<JsonElement> _joined = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _receiving;

    public HubClient(int rounds)
    {
        _arrivals = new long[rounds + 2];
    }

    /// <summary>Stopwatch timestamp at which the Presenter message with this seq arrived; 0 if not yet.</summary>
    public long ArrivalOf(long seq) => seq < _arrivals.Length ? Volatile.Read(ref _arrivals[seq]) : 0;

    public async Task ConnectAsync(Uri hub, string cookie, string role, CancellationToken cancellationToken)
    {
        _socket.Options.SetRequestHeader("Cookie", cookie);
        _socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(30);
        await _socket.ConnectAsync(hub, cancellationToken).ConfigureAwait(false);
        await SendAsync("{\"protocol\":\"json\",\"version\":1}", cancellationToken).ConfigureAwait(false);
        _receiving = ReceiveAsync();
        await SendAsync($"{{\"type\":1,\"invocationId\":\"join\",\"target\":\"Join\",\"arguments\":[\"{role}\",null]}}", cancellationToken).ConfigureAwait(false);
        await _joined.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private Task SendAsync(string message, CancellationToken cancellationToken) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(message + RecordSeparator), WebSocketMessageType.Text, true, cancellationToken);

    private async Task ReceiveAsync()
    {
        var buffer = new ArrayBufferWriter<byte>(8192);
        var chunk = new byte[16384];
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                var result = await _socket.ReceiveAsync(chunk, CancellationToken.None).ConfigureAwait(false);
                var now = Stopwatch.GetTimestamp();
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                buffer.Write(chunk.AsSpan(0, result.Count));
                if (!result.EndOfMessage)
                {
                    continue;
                }

                var data = buffer.WrittenMemory;
                int at;
                while ((at = data.Span.IndexOf((byte)RecordSeparator)) >= 0)
                {
                    Handle(data.Span[..at], now);
                    data = data[(at + 1)..];
                }

                buffer.Clear();
            }
        }
        catch (WebSocketException)
        {
            _joined.TrySetException(new InvalidOperationException("The hub closed the connection."));
        }
    }

    private void Handle(ReadOnlySpan<byte> frame, long now)
    {
        if (frame.Length <= 2)
        {
            return; // The handshake's "{}".
        }

        using var json = JsonDocument.Parse(frame.ToArray());
        var root = json.RootElement;
        var type = root.GetProperty("type").GetInt32();
        if (type == 3 && root.TryGetProperty("invocationId", out var id) && id.GetString() == "join")
        {
            if (root.TryGetProperty("error", out var error))
            {
                _joined.TrySetException(new InvalidOperationException(error.GetString()));
            }
            else
            {
                _joined.TrySetResult(root.GetProperty("result").Clone());
            }
        }
        else if (type == 1 && root.GetProperty("target").GetString() is "Presenter" or "Raw")
        {
            var seq = root.GetProperty("arguments")[0].GetProperty("seq").GetInt64();
            if (seq < _arrivals.Length)
            {
                Volatile.Write(ref _arrivals[seq], now);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (WebSocketException)
        {
        }

        if (_receiving is not null)
        {
            await Task.WhenAny(_receiving, Task.Delay(1000)).ConfigureAwait(false);
        }

        _socket.Dispose();
    }
}
