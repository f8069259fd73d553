using System.Net;
using Conferencing.Devices.Agent;
using Conferencing.Devices.Control;
using Microsoft.AspNetCore.SignalR.Client;

namespace Conferencing.RoomAgent;

/// <summary>
/// The agent's link to the server: connects out (so it works behind the room's NAT), authenticates with
/// the room's agent key as a bearer token, runs the server's commands through the devices, polls the
/// devices and reports changes, and after every (re)connect sends its whole state so the server never
/// keeps what it had before the break. Reconnects forever with capped exponential backoff and jitter.
/// </summary>
public sealed class RoomAgentConnection : IAsyncDisposable
{
    private readonly RoomAgentOptions _options;
    private readonly ILogger _logger;
    private readonly Dictionary<string, RoomDevice> _devices;
    private readonly HubConnection _connection;
    private readonly Dictionary<string, DeviceState> _reported = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _lifetime = new();

    public RoomAgentConnection(RoomAgentOptions options, ILogger logger, Func<HttpMessageHandler, HttpMessageHandler>? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _logger = logger;
        _devices = options.Devices.ToDictionary(d => d.Id, d => RoomDevice.Create(d), StringComparer.Ordinal);
        var url = new Uri(new Uri(options.ServerUrl), RoomAgentHubRoute.Path);
        _connection = new HubConnectionBuilder()
            .WithUrl(url, o =>
            {
                o.AccessTokenProvider = () => Task.FromResult<string?>(options.AgentKey);
                if (handler is not null)
                {
                    o.HttpMessageHandlerFactory = handler;
                }
            })
            .WithAutomaticReconnect(new Backoff(options.MaxBackoff))
            .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()))
            .Build();
        Server = url;
        _connection.On<DeviceCommand, DeviceCommandResult>(nameof(IRoomAgentClient.RunCommand), RunCommandAsync);
        _connection.On(nameof(IRoomAgentClient.Resync), () => SynchronizeAsync(CancellationToken.None));
        _connection.Reconnecting += e =>
        {
            RoomAgentLog.Reconnecting(_logger, e);
            return Task.CompletedTask;
        };
        // The server closing the connection cleanly (a restart, or this agent replaced) does not trigger
        // the client's automatic reconnect: start over, with the same backoff, until disposed.
        _connection.Closed += e =>
        {
            if (!_lifetime.IsCancellationRequested)
            {
                RoomAgentLog.Reconnecting(_logger, e);
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await ConnectAsync(_lifetime.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                });
            }

            return Task.CompletedTask;
        };
        _connection.Reconnected += async _ =>
        {
            RoomAgentLog.Reconnected(_logger);
            await SynchronizeAsync(CancellationToken.None).ConfigureAwait(false);
        };
    }

    public Uri Server { get; }

    public HubConnectionState State => _connection.State;

    /// <summary>Connects (retrying with backoff until it works or <paramref name="cancellationToken"/> ends), then sends the full state.</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
        cancellationToken = linked.Token;
        var delay = TimeSpan.FromSeconds(1);
        while (true)
        {
            if (_connection.State != HubConnectionState.Disconnected)
            {
                return; // already connected or reconnecting on its own
            }

            try
            {
                await _connection.StartAsync(cancellationToken).ConfigureAwait(false);
                RoomAgentLog.Connected(_logger, Server, _devices.Count);
                await SynchronizeAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (HttpRequestException e) when (e.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                RoomAgentLog.KeyRefused(_logger, _options.MaxBackoff);
                delay = _options.MaxBackoff;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TimeoutException or System.Net.WebSockets.WebSocketException or InvalidOperationException)
            {
                RoomAgentLog.ConnectFailed(_logger, Server, delay, e);
            }

            await Task.Delay(Backoff.Jitter(delay), cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxBackoff.Ticks));
        }
    }

    /// <summary>Polls every device and reports those whose state changed since the last report.</summary>
    public async Task PollAsync(CancellationToken cancellationToken)
    {
        foreach (var device in _devices.Values)
        {
            var state = await device.PollAsync(cancellationToken).ConfigureAwait(false);
            if (Changed(state) && _connection.State == HubConnectionState.Connected)
            {
                RoomAgentLog.StateChanged(_logger, state.DeviceId, state.Power, state.Reachable, state.Error);
                try
                {
                    await _connection.InvokeAsync(nameof(IRoomAgentHub.ReportState), state, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is InvalidOperationException or IOException or Microsoft.AspNetCore.SignalR.HubException)
                {
                    Forget(state.DeviceId);
                    RoomAgentLog.ReportFailed(_logger, e);
                }
            }
        }
    }

    private async Task SynchronizeAsync(CancellationToken cancellationToken)
    {
        var states = await Task.WhenAll(_devices.Values.Select(d => d.PollAsync(cancellationToken))).ConfigureAwait(false);
        foreach (var state in states)
        {
            Changed(state);
        }

        var snapshot = new AgentSnapshot(typeof(RoomAgentConnection).Assembly.GetName().Version?.ToString() ?? "0", _devices.Values.Select(d => d.Info).ToList(), states);
        try
        {
            await _connection.InvokeAsync(nameof(IRoomAgentHub.Synchronize), snapshot, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or Microsoft.AspNetCore.SignalR.HubException)
        {
            RoomAgentLog.ReportFailed(_logger, e);
        }
    }

    private async Task<DeviceCommandResult> RunCommandAsync(DeviceCommand command)
    {
        if (!_devices.TryGetValue(command.DeviceId, out var device))
        {
            return new DeviceCommandResult(command.CommandId, CommandOutcome.UnknownDevice, $"this room has no device '{command.DeviceId}'", null);
        }

        using var timeout = new CancellationTokenSource(_options.CommandTimeout);
        DeviceCommandResult result;
        try
        {
            result = await device.RunAsync(command, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            result = new DeviceCommandResult(command.CommandId, CommandOutcome.Timeout, $"no outcome within {_options.CommandTimeout.TotalSeconds:0} s", device.LastState);
        }

        if (result.State is { } state)
        {
            Changed(state);
        }

        RoomAgentLog.CommandRan(_logger, command.DeviceId, command.Action.ToString(), result.Outcome.ToString(), result.Message);
        return result;
    }

    /// <summary>Records the state as reported; true when it differs from the last one in anything but its time.</summary>
    private bool Changed(DeviceState state)
    {
        lock (_lock)
        {
            var same = _reported.TryGetValue(state.DeviceId, out var last) && last with { ObservedAt = state.ObservedAt } == state;
            _reported[state.DeviceId] = state;
            return !same;
        }
    }

    private void Forget(string deviceId)
    {
        lock (_lock)
        {
            _reported.Remove(deviceId);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_lifetime.IsCancellationRequested)
        {
            return;
        }

        await _lifetime.CancelAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
        foreach (var device in _devices.Values)
        {
            await device.DisposeAsync().ConfigureAwait(false);
        }

        _lifetime.Dispose();
    }

    /// <summary>Capped exponential backoff with jitter, never giving up: a room box has nothing better to do than reconnect.</summary>
    private sealed class Backoff(TimeSpan max) : IRetryPolicy
    {
        public TimeSpan? NextRetryDelay(RetryContext retryContext)
        {
            var exponent = Math.Min(retryContext.PreviousRetryCount, 16);
            var delay = TimeSpan.FromMilliseconds(Math.Min(500 * Math.Pow(2, exponent), max.TotalMilliseconds));
            return retryContext.PreviousRetryCount == 0 ? TimeSpan.Zero : Jitter(delay);
        }

        /// <summary>Spreads 3,500 rooms reconnecting after a server restart over ±20 % instead of one instant.</summary>
        public static TimeSpan Jitter(TimeSpan delay) => delay * (0.8 + (Random.Shared.NextDouble() * 0.4));
    }
}
