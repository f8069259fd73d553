using Microsoft.Extensions.Logging;

namespace Conferencing.Relay.Media;

/// <summary>
/// Open discussion's picture: the mix thread's <see cref="Mixing.PictureFollower"/> names the loudest
/// heard site, and the video routing (only) gets it as its program, with the program as what that
/// site sees. The switch is the floor switch's: keyframe-gated per receiver, the speaker asked for a
/// keyframe at once. See docs/notes/talkback.md.
/// </summary>
internal sealed partial class MeetingMedia
{
    /// <summary>Called (on a pool thread) after the picture moved to a speaker or back, to publish the change.</summary>
    public Action? PictureMoved { get; set; }

    private bool PictureFollowsLocked => _mixRequest.PictureFollowsSpeaker ?? _options.AudioMix.PictureFollowsSpeaker;

    /// <summary>
    /// The picture's source and what that source sees: the program and its return feed, unless open
    /// discussion follows a speaker who is not the program, who then sees the program (or the chair).
    /// </summary>
    private (LegMedia? Program, LegMedia? ReturnFeed) PictureLocked()
    {
        if (_mix is not null && _mixRequest.OpenDiscussion && PictureFollowsLocked
            && _pictureLeg is { AudioMuted: false } speaker && speaker != _program && _legs.Contains(speaker))
        {
            return (speaker, _program ?? _returnFeed);
        }

        return (_program, _returnFeed);
    }

    /// <summary>The mix thread's word that the picture should move (must not block: queued to the pool).</summary>
    private void OnPictureChanged(Mixing.MixSource? source)
    {
        Volatile.Write(ref _pendingPicture, source?.Id ?? string.Empty);
        ThreadPool.UnsafeQueueUserWorkItem(_pictureWork, preferLocal: false);
    }

    private void ApplyPicture()
    {
        string? id = Interlocked.Exchange(ref _pendingPicture, null);
        if (id is null)
        {
            return;
        }

        LegMedia? source;
        lock (_lock)
        {
            if (_disposed || _mix is null)
            {
                return;
            }

            _pictureLeg = id.Length == 0 ? null : _legs.Find(l => l.LegId == id);
            LegMedia? before = _videoProgram;
            PublishLocked();
            source = _videoProgram;
            if (source == before)
            {
                return;
            }
        }

        PictureLog.PictureFollows(_logger, Number, source?.LegId ?? "-");
        PictureMoved?.Invoke();
        if (source is not null)
        {
            RequestKeyframe(source, "picture follows the speaker");
        }
    }

    private sealed class PictureWork(MeetingMedia media) : IThreadPoolWorkItem
    {
        public void Execute() => media.ApplyPicture();
    }

    private static partial class PictureLog
    {
        [LoggerMessage(EventId = 20500, Level = LogLevel.Information, Message = "Meeting {Meeting}: the picture follows the speaker, now {Leg}")]
        public static partial void PictureFollows(ILogger logger, string meeting, string leg);
    }
}
