using Microsoft.AspNetCore.Http.HttpResults;

namespace Conferencing.Server.Hosting;

/// <summary>Problem results that handlers return as typed outcomes (application/problem+json).</summary>
public static class Problems
{
    /// <summary>A problem with its status, a short title, the stable <c>code</c> programs switch on, and a sentence for people.</summary>
    public static ProblemHttpResult Of(int status, string title, string code, string detail) => TypedResults.Problem(
        statusCode: status, title: title, detail: detail, extensions: new Dictionary<string, object?> { ["code"] = code });

    public static ProblemHttpResult NotFound(string what, string key) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound,
        title: "Not found",
        detail: $"No {what} '{key}' exists.",
        extensions: new Dictionary<string, object?> { ["code"] = $"{what}.not-found" });

    public static ProblemHttpResult BadRequest(string detail) => TypedResults.Problem(
        statusCode: StatusCodes.Status400BadRequest, title: "Invalid request", detail: detail,
        extensions: new Dictionary<string, object?> { ["code"] = "validation" });
}
