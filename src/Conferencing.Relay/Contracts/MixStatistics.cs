namespace Conferencing.Relay;

/// <summary>What the mixer knows of one source.</summary>
/// <param name="LegId">The source's leg.</param>
/// <param name="LevelDb">Its level for a meter, dBFS (-96 silent).</param>
/// <param name="Speaking">Whether voice activity says it speaks.</param>
/// <param name="Heard">Whether it is in the mix.</param>
/// <param name="BufferMs">Audio buffered ahead of playout.</param>
/// <param name="DelayMs">The jitter buffer's delay.</param>
/// <param name="JitterMs">Interarrival jitter the buffer measured.</param>
/// <param name="LateFrames">Packets that came after their time was played.</param>
/// <param name="LostFrames">Frames concealed.</param>
/// <param name="DroppedFrames">Frames dropped to shrink the delay.</param>
public sealed record MixSourceStatistics(
    string LegId,
    double LevelDb,
    bool Speaking,
    bool Heard,
    double BufferMs,
    int DelayMs,
    double JitterMs,
    long LateFrames,
    long LostFrames,
    long DroppedFrames);

/// <summary>A meeting's audio mix.</summary>
/// <param name="Enabled">Mixing was asked for.</param>
/// <param name="OpenDiscussion">Open discussion is on.</param>
/// <param name="MaxSpeakers">How many sites open discussion hears at once.</param>
/// <param name="Active">The mix runs now (it waits for a floor, or open discussion, to have something to mix).</param>
/// <param name="PictureFollowsSpeaker">In open discussion the picture follows the loudest heard site.</param>
/// <param name="PictureLegId">The leg whose picture is forwarded instead of the program's because it speaks loudest, else null.</param>
public sealed record AudioMixInfo(bool Enabled, bool OpenDiscussion, int MaxSpeakers, bool Active, bool PictureFollowsSpeaker = false, string? PictureLegId = null);
