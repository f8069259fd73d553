using Conferencing.Server.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Conferencing.Server.LiveMeetings.Preview;

/// <summary>The program preview as a JPEG, for the staff who may read the meeting.</summary>
public static class ProgramPreviewApi
{
    public static RouteHandlerBuilder MapProgramPreview(this RouteGroupBuilder meeting)
    {
        ArgumentNullException.ThrowIfNull(meeting);
        return meeting.MapGet("/preview", StillAsync).Produces(200, contentType: "image/jpeg").ProducesProblem(404).ProducesProblem(503)
            .WithSummary("A JPEG of what everyone sees (the program's latest keyframe), made at most every few seconds; 503 until the first keyframe arrives.");
    }

    internal static async Task<Results<FileContentHttpResult, ProblemHttpResult>> StillAsync(
        ProgramPreviewService preview, IOptionsMonitor<ProgramPreviewOptions> options, HttpContext http, Guid id, CancellationToken cancellationToken)
    {
        switch (await preview.StillAsync(id, cancellationToken).ConfigureAwait(false))
        {
            case PreviewStill.Picture picture:
                // Private: a meeting's picture is for the staff who may see it; a few seconds, as the page refreshes.
                var seconds = (int)Math.Ceiling(options.CurrentValue.CacheFor.TotalSeconds);
                http.Response.Headers[HeaderNames.CacheControl] = $"private, max-age={seconds}";
                return TypedResults.File(picture.Jpeg, "image/jpeg", lastModified: picture.AtUtc);
            case PreviewStill.NotYet:
                http.Response.Headers[HeaderNames.RetryAfter] = "2";
                return Problems.Of(503, "No picture yet", "preview.not-ready", "The preview waits for the program's next keyframe.");
            default:
                return Problems.Of(404, "No preview", "preview.not-live", "The meeting is not live at a relay, or the preview is off.");
        }
    }
}
