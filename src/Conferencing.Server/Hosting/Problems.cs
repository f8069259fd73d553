using Microsoft.AspNetCore.Http.HttpResults;

namespace Conferencing.Server.Hosting;

/// <summary>Problem results that handlers return as typed outcomes (application/problem+json).</summary>
public static class Problems
{
    public static ProblemHttpResult NotFound(string what, string key) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound,
        title: "Not found",
        detail: $"No {what} '{key}' exists.",
        extensions: new Dictionary<string, object?> { ["code"] = $"{what}.not-found" });

    public static ProblemHttpResult BadRequest(string detail) => TypedResults.Problem(
        statusCode: StatusCodes.Status400BadRequest, title: "Invalid request", detail: detail,
        extensions: new Dictionary<string, object?> { ["code"] = "validation" });
}
