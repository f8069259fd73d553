using Microsoft.Extensions.Options;

namespace Conferencing.Server.Monitoring;

/// <summary>Alarm rules and their thresholds. Bound from <c>Alarms</c>, validated at start.</summary>
public sealed class AlarmOptions
{
    public const string Section = "Alarms";

    /// <summary>
    /// The default time an endpoint must stay offline before the alarm: 60 s. The registrar already
    /// waits <c>Sip:OfflineAfter</c> (90 s) of silence before it says Offline; another minute keeps a
    /// room that reboots (a minute or two on most room systems) from raising an alarm nobody must act on.
    /// </summary>
    public static readonly TimeSpan DefaultOfflineAfter = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The default time a lost registration may last before the alarm: 30 s, longer than a room's
    /// re-register after an unregister or a reboot of its SIP stack.
    /// </summary>
    public static readonly TimeSpan DefaultRegistrationLostAfter = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The default loss, either way, above which a call alarms: 5 %. The relay shows a call Degraded
    /// from 3 % (<c>Relaying:DegradedLossPercent</c>); at 5 % without retransmission H.264 pictures
    /// break up between keyframes and G.711 concealment is heard, so someone should act.
    /// </summary>
    public const double DefaultLossPercent = 5.0;

    /// <summary>The default time loss must last before the alarm: 10 s, so one burst (a keyframe through a full queue) does not alarm.</summary>
    public static readonly TimeSpan DefaultLossAfter = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The default time a connected call may send the relay nothing before the alarm: 5 s. A room
    /// system sends audio every 20 ms, so seconds of silence are a fault (a camera or encoder hung,
    /// a one-way firewall); the relay hangs such a call up after <c>Relaying:MediaTimeout</c> (15 s),
    /// and the alarm says why before that.
    /// </summary>
    public static readonly TimeSpan DefaultNoMediaAfter = TimeSpan.FromSeconds(5);

    /// <summary>The default time a site of a live meeting may be out of its call (not hung up by an operator) before the alarm: 5 s, a redial's worth.</summary>
    public static readonly TimeSpan DefaultDroppedAfter = TimeSpan.FromSeconds(5);

    /// <summary>The default time the cause must be gone before an alarm clears itself: 10 s, so a flapping link does not raise and clear every second.</summary>
    public static readonly TimeSpan DefaultClearAfter = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The default time a room agent may stay disconnected before the alarm: 60 s. An agent reconnects
    /// within seconds of a blip (backoff from 0.5 s); a minute means the room box or its network is down.
    /// </summary>
    public static readonly TimeSpan DefaultRoomAgentOfflineAfter = TimeSpan.FromSeconds(60);

    /// <summary>The default time a room device may stay unreachable before the alarm: 60 s (two of the agent's 30 s polls).</summary>
    public static readonly TimeSpan DefaultRoomDeviceUnreachableAfter = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The default lamp hours from which a projector's lamp is near the end of its life: 3,000. Usual
    /// UHP lamps are rated 3,000 to 5,000 hours in normal mode; an alarm at the low end leaves time to
    /// order a lamp before it fails in a meeting.
    /// </summary>
    public const int DefaultLampHoursLimit = 3000;

    /// <summary>How long a room agent may stay disconnected. The default is <see cref="DefaultRoomAgentOfflineAfter"/>.</summary>
    public TimeSpan RoomAgentOfflineAfter { get; set; } = DefaultRoomAgentOfflineAfter;

    /// <summary>How long a room device may stay unreachable. The default is <see cref="DefaultRoomDeviceUnreachableAfter"/>.</summary>
    public TimeSpan RoomDeviceUnreachableAfter { get; set; } = DefaultRoomDeviceUnreachableAfter;

    /// <summary>Lamp hours from which the lamp alarm is raised. The default is <see cref="DefaultLampHoursLimit"/>.</summary>
    public int LampHoursLimit { get; set; } = DefaultLampHoursLimit;

    /// <summary>How long an endpoint must stay offline. The default is <see cref="DefaultOfflineAfter"/>.</summary>
    public TimeSpan OfflineAfter { get; set; } = DefaultOfflineAfter;

    /// <summary>How long a registration may stay lost. The default is <see cref="DefaultRegistrationLostAfter"/>.</summary>
    public TimeSpan RegistrationLostAfter { get; set; } = DefaultRegistrationLostAfter;

    /// <summary>Loss threshold, percent. The default is <see cref="DefaultLossPercent"/>.</summary>
    public double LossPercent { get; set; } = DefaultLossPercent;

    /// <summary>How long loss must last. The default is <see cref="DefaultLossAfter"/>.</summary>
    public TimeSpan LossAfter { get; set; } = DefaultLossAfter;

    /// <summary>How long a call may be silent. The default is <see cref="DefaultNoMediaAfter"/>.</summary>
    public TimeSpan NoMediaAfter { get; set; } = DefaultNoMediaAfter;

    /// <summary>How long a live meeting's site may be out of the call. The default is <see cref="DefaultDroppedAfter"/>.</summary>
    public TimeSpan DroppedAfter { get; set; } = DefaultDroppedAfter;

    /// <summary>How long the cause must be gone before a call or registration alarm clears. The default is <see cref="DefaultClearAfter"/>.</summary>
    public TimeSpan ClearAfter { get; set; } = DefaultClearAfter;
}

public sealed class AlarmOptionsValidator : IValidateOptions<AlarmOptions>
{
    public ValidateOptionsResult Validate(string? name, AlarmOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        void Range(string key, TimeSpan value, TimeSpan min, TimeSpan max)
        {
            if (value < min || value > max)
            {
                failures.Add($"Alarms:{key} must be between {min} and {max}; it is {value}.");
            }
        }

        Range(nameof(options.OfflineAfter), options.OfflineAfter, TimeSpan.Zero, TimeSpan.FromHours(24));
        Range(nameof(options.RegistrationLostAfter), options.RegistrationLostAfter, TimeSpan.Zero, TimeSpan.FromHours(24));
        Range(nameof(options.LossAfter), options.LossAfter, TimeSpan.Zero, TimeSpan.FromHours(1));
        Range(nameof(options.NoMediaAfter), options.NoMediaAfter, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        Range(nameof(options.DroppedAfter), options.DroppedAfter, TimeSpan.Zero, TimeSpan.FromHours(1));
        Range(nameof(options.ClearAfter), options.ClearAfter, TimeSpan.Zero, TimeSpan.FromHours(1));
        Range(nameof(options.RoomAgentOfflineAfter), options.RoomAgentOfflineAfter, TimeSpan.Zero, TimeSpan.FromHours(24));
        Range(nameof(options.RoomDeviceUnreachableAfter), options.RoomDeviceUnreachableAfter, TimeSpan.Zero, TimeSpan.FromHours(24));
        if (options.LampHoursLimit is < 1 or > 100_000)
        {
            failures.Add("Alarms:LampHoursLimit must be between 1 and 100000 hours.");
        }
        if (double.IsNaN(options.LossPercent) || options.LossPercent is <= 0 or > 100)
        {
            failures.Add("Alarms:LossPercent must be above 0 and at most 100.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
