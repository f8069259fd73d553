using System.Text.Json;
using Conferencing.Server.Common;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Conferencing.Server.Hosting;

/// <summary>
/// Turns every exception that reaches the pipeline into an RFC 9457 problem response: domain rule
/// breaks keep their message and code, unreadable requests say what could not be read and where,
/// and anything unexpected is logged and answered with a bare 500 that leaks nothing.
/// </summary>
public sealed partial class ProblemDetailsExceptionHandler(IProblemDetailsService problems, ILogger<ProblemDetailsExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var problem = exception switch
        {
            DomainException e => FromDomain(e),
            BadHttpRequestException e => FromBadRequest(e),
            Cluster.ClusterUnavailableException e => Unavailable(httpContext, e),
            OperationCanceledException when httpContext.RequestAborted.IsCancellationRequested => null,
            _ => null,
        };

        if (problem is null)
        {
            if (httpContext.RequestAborted.IsCancellationRequested)
            {
                return true;
            }

            Log.Unhandled(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
            problem = new ProblemDetails
            {
                Status = StatusCodes.Status500InternalServerError,
                Title = "Internal error",
                Detail = "The server could not complete the request. The error is logged with this trace id.",
            };
        }
        else
        {
            Log.Refused(logger, httpContext.Request.Method, httpContext.Request.Path, problem.Status ?? 0, problem.Detail ?? problem.Title ?? "");
        }

        httpContext.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        }).ConfigureAwait(false);
    }

    private static ProblemDetails Unavailable(HttpContext httpContext, Cluster.ClusterUnavailableException e)
    {
        httpContext.Response.Headers.RetryAfter = Cluster.ClusterCalls.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = "Control plane changing hands",
            Detail = e.Message,
        };
        problem.Extensions["code"] = "cluster.unavailable";
        problem.Extensions["retryAfterSeconds"] = Cluster.ClusterCalls.RetryAfterSeconds;
        return problem;
    }

    internal static ProblemDetails FromDomain(DomainException e)
    {
        var status = e.Kind switch
        {
            DomainErrorKind.NotFound => StatusCodes.Status404NotFound,
            DomainErrorKind.Conflict => StatusCodes.Status409Conflict,
            _ => StatusCodes.Status400BadRequest,
        };
        ProblemDetails problem = e.Kind == DomainErrorKind.Invalid && e.Field is { } field
            ? new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [e.Message] })
            : new ProblemDetails();
        problem.Status = status;
        problem.Title = status switch
        {
            StatusCodes.Status404NotFound => "Not found",
            StatusCodes.Status409Conflict => "Conflict",
            _ => "Invalid request",
        };
        problem.Detail = e.Message;
        problem.Extensions["code"] = e.Code;
        if (e.Field is not null && e.Kind != DomainErrorKind.Invalid)
        {
            problem.Extensions["field"] = e.Field;
        }

        foreach (var (key, value) in e.Details.Where(d => d.Key is not ("type" or "title" or "status" or "detail" or "instance" or "errors")))
        {
            problem.Extensions[key] = value;
        }

        return problem;
    }

    private static ProblemDetails FromBadRequest(BadHttpRequestException e)
    {
        if (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return new ProblemDetails { Status = 413, Title = "Request too large", Detail = e.Message, Extensions = { ["code"] = "request.too-large" } };
        }

        if (e.InnerException is JsonException json)
        {
            var field = JsonPathToField(json.Path);
            var detail = $"The request body is not valid JSON for this operation: {json.Message}";
            return new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [detail] })
            {
                Status = 400,
                Title = "Malformed JSON",
                Detail = detail,
                Extensions = { ["code"] = "request.malformed-json" },
            };
        }

        return new ProblemDetails
        {
            Status = e.StatusCode,
            Title = "Bad request",
            Detail = e.Message,
            Extensions = { ["code"] = "request.bad" },
        };
    }

    /// <summary>"$.delegates[2].name" becomes "delegates[2].name"; the root becomes "body".</summary>
    private static string JsonPathToField(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return "body";
        }

        return path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "Unhandled error in {Method} {Path}")]
        public static partial void Unhandled(ILogger logger, Exception exception, string method, PathString path);

        [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Refused {Method} {Path} with {Status}: {Reason}")]
        public static partial void Refused(ILogger logger, string method, PathString path, int status, string reason);
    }
}
