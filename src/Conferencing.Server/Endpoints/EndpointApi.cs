using Conferencing.Server.Accounts;
using Conferencing.Server.Hosting;
using Conferencing.Server.Sites;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Conferencing.Server.Endpoints;

/// <summary>Endpoints over HTTP. Credentials go in and never come out: responses say only whether they are set.</summary>
public static class EndpointApi
{
    public sealed record EndpointResponse(Guid Id, string SiteCode, string SipUri, string DisplayName, string? Model, string? Address, int ExpectedBitrateKbps, bool HasCredentials, DateTimeOffset UpdatedUtc);

    public static RouteGroupBuilder MapEndpointApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/endpoints").WithTags("Endpoints").RequireAuthorization(StaffRoles.Policies.Staff);
        group.MapGet("/", ListAsync);
        group.MapGet("/{id:guid}", GetAsync);
        group.MapGet("/presence", PresenceAsync)
            .WithSummary("Registration and reachability of every endpoint (within the caller's scope).");
        group.MapPost("/", CreateAsync).RequireAuthorization(StaffRoles.Policies.Technician).ProducesValidationProblem().ProducesProblem(409);
        group.MapPut("/{id:guid}", UpdateAsync).RequireAuthorization(StaffRoles.Policies.Technician).ProducesValidationProblem().ProducesProblem(409);
        group.MapDelete("/{id:guid}", DeleteAsync).RequireAuthorization(StaffRoles.Policies.Technician);
        return group;
    }

    private static async Task<Ok<List<EndpointResponse>>> ListAsync(EndpointStore store, StaffScopes scopes, HttpContext http, string? site, CancellationToken cancellationToken)
    {
        var scope = await scopes.ForAsync(http.User, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok((await store.ListAsync(site, cancellationToken).ConfigureAwait(false)).Where(e => scope.Contains(e.SiteCode)).Select(ToResponse).ToList());
    }

    private static async Task<Ok<List<Presence.EndpointPresence>>> PresenceAsync(Presence.PresenceService presence, EndpointStore store, StaffScopes scopes, HttpContext http, CancellationToken cancellationToken)
    {
        var scope = await scopes.ForAsync(http.User, cancellationToken).ConfigureAwait(false);
        var all = await presence.SnapshotAsync(cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(all.Where(p => scope.Contains(p.SiteCode)).ToList());
    }

    private static async Task<Results<Ok<EndpointResponse>, ProblemHttpResult>> GetAsync(EndpointStore store, StaffScopes scopes, HttpContext http, Guid id, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } endpoint)
        {
            return Problems.NotFound("endpoint", id.ToString());
        }

        return (await scopes.ForAsync(http.User, cancellationToken).ConfigureAwait(false)).Contains(endpoint.SiteCode)
            ? TypedResults.Ok(ToResponse(endpoint))
            : OutOfScope(endpoint.SiteCode);
    }

    private static async Task<Results<Created<EndpointResponse>, ProblemHttpResult>> CreateAsync(EndpointStore store, StaffScopes scopes, HttpContext http, EndpointInput input, CancellationToken cancellationToken)
    {
        if (input.SiteCode is { } site && !(await scopes.ForAsync(http.User, cancellationToken).ConfigureAwait(false)).Contains(site))
        {
            return OutOfScope(site);
        }

        var endpoint = await store.CreateAsync(input, http.Actor(), cancellationToken).ConfigureAwait(false);
        return TypedResults.Created($"/api/endpoints/{endpoint.Id}", ToResponse(endpoint));
    }

    private static async Task<Results<Ok<EndpointResponse>, ProblemHttpResult>> UpdateAsync(EndpointStore store, StaffScopes scopes, HttpContext http, Guid id, EndpointInput input, CancellationToken cancellationToken)
    {
        var scope = await scopes.ForAsync(http.User, cancellationToken).ConfigureAwait(false);
        if (await store.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } before && !scope.Contains(before.SiteCode))
        {
            return OutOfScope(before.SiteCode);
        }

        if (input.SiteCode is { } site && !scope.Contains(site))
        {
            return OutOfScope(site);
        }

        return TypedResults.Ok(ToResponse(await store.UpdateAsync(id, input, http.Actor(), cancellationToken).ConfigureAwait(false)));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(EndpointStore store, StaffScopes scopes, HttpContext http, Guid id, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } before
            && !(await scopes.ForAsync(http.User, cancellationToken).ConfigureAwait(false)).Contains(before.SiteCode))
        {
            return OutOfScope(before.SiteCode);
        }

        await store.DeleteAsync(id, http.Actor(), cancellationToken).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static ProblemHttpResult OutOfScope(string siteCode) => StaffScopes.Forbidden($"Site '{siteCode}' is outside your scope.");

    private static EndpointResponse ToResponse(SipEndpoint e) =>
        new(e.Id, e.SiteCode, e.SipUri, e.DisplayName, e.Model, e.Address, e.ExpectedBitrateKbps, e.HasCredentials, e.UpdatedUtc);
}
