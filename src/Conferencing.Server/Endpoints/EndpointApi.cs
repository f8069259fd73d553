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
        group.MapGet("/presence", async (Presence.PresenceService presence, CancellationToken ct) => TypedResults.Ok(await presence.SnapshotAsync(ct).ConfigureAwait(false)))
            .WithSummary("Registration and reachability of every endpoint.");
        group.MapPost("/", CreateAsync).RequireAuthorization(StaffRoles.Policies.Technician).ProducesValidationProblem().ProducesProblem(409);
        group.MapPut("/{id:guid}", UpdateAsync).RequireAuthorization(StaffRoles.Policies.Technician).ProducesValidationProblem().ProducesProblem(409);
        group.MapDelete("/{id:guid}", DeleteAsync).RequireAuthorization(StaffRoles.Policies.Technician);
        return group;
    }

    private static async Task<Ok<List<EndpointResponse>>> ListAsync(EndpointStore store, string? site, CancellationToken cancellationToken) =>
        TypedResults.Ok((await store.ListAsync(site, cancellationToken).ConfigureAwait(false)).Select(ToResponse).ToList());

    private static async Task<Results<Ok<EndpointResponse>, ProblemHttpResult>> GetAsync(EndpointStore store, Guid id, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } endpoint
            ? TypedResults.Ok(ToResponse(endpoint))
            : Problems.NotFound("endpoint", id.ToString());

    private static async Task<Created<EndpointResponse>> CreateAsync(EndpointStore store, HttpContext http, EndpointInput input, CancellationToken cancellationToken)
    {
        var endpoint = await store.CreateAsync(input, http.Actor(), cancellationToken).ConfigureAwait(false);
        return TypedResults.Created($"/api/endpoints/{endpoint.Id}", ToResponse(endpoint));
    }

    private static async Task<Ok<EndpointResponse>> UpdateAsync(EndpointStore store, HttpContext http, Guid id, EndpointInput input, CancellationToken cancellationToken) =>
        TypedResults.Ok(ToResponse(await store.UpdateAsync(id, input, http.Actor(), cancellationToken).ConfigureAwait(false)));

    private static async Task<NoContent> DeleteAsync(EndpointStore store, HttpContext http, Guid id, CancellationToken cancellationToken)
    {
        await store.DeleteAsync(id, http.Actor(), cancellationToken).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static EndpointResponse ToResponse(SipEndpoint e) =>
        new(e.Id, e.SiteCode, e.SipUri, e.DisplayName, e.Model, e.Address, e.ExpectedBitrateKbps, e.HasCredentials, e.UpdatedUtc);
}
