using System.Text;
using Conferencing.Server.Accounts;
using Conferencing.Server.Common;
using Conferencing.Server.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Conferencing.Server.Sites;

/// <summary>The site tree over HTTP: read by all staff, written by administrators.</summary>
public static class SiteApi
{
    /// <summary>A site file may be large (a national tree has tens of thousands of rows): 10 MB.</summary>
    public const long ImportLimitBytes = 10 * 1024 * 1024;

    public sealed record SiteResponse(string Code, string Name, string? ParentCode, SiteLevel Level, SiteKind Kind, int ChildCount);

    public sealed record SiteRequest(string? Name, string? ParentCode, SiteLevel? Level, SiteKind? Kind);

    public static RouteGroupBuilder MapSiteApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/sites").WithTags("Sites").RequireAuthorization(StaffRoles.Policies.Staff);
        group.MapGet("/", ListAsync).WithSummary("Lists sites; q searches names ignoring diacritics and case, parent lists one level.");
        group.MapGet("/{code}", GetAsync);
        group.MapPut("/{code}", PutAsync).RequireAuthorization(StaffRoles.Policies.Admin).ProducesValidationProblem();
        group.MapDelete("/{code}", DeleteAsync).RequireAuthorization(StaffRoles.Policies.Admin).ProducesProblem(409);
        group.MapGet("/export", ExportAsync).WithSummary("The whole tree as CSV (code,name,parent_code,level,kind) or JSON.");
        group.MapPost("/import", ImportAsync).RequireAuthorization(StaffRoles.Policies.Admin)
            .WithMetadata(new RequestSizeLimitAttribute(ImportLimitBytes))
            .Accepts<string>("text/csv", "application/json")
            .ProducesValidationProblem()
            .WithSummary("Merges sites from a CSV or JSON file; all rows or none.");
        return group;
    }

    private static async Task<Ok<List<SiteResponse>>> ListAsync(SiteStore store, HttpContext http, string? q, string? parent, CancellationToken cancellationToken)
    {
        var tree = await store.LoadTreeAsync(cancellationToken).ConfigureAwait(false);
        var scope = StaffScopes.For(http.User, tree);
        IEnumerable<Site> sites = string.IsNullOrWhiteSpace(q)
            ? tree.All.OrderBy(s => s.Level).ThenBy(s => s.Code, StringComparer.Ordinal)
            : await store.SearchAsync(q, 500, cancellationToken).ConfigureAwait(false);

        if (!string.IsNullOrWhiteSpace(parent))
        {
            sites = sites.Where(s => s.ParentCode == parent);
        }

        return TypedResults.Ok(sites.Where(s => scope.Contains(s.Code)).Select(s => ToResponse(s, tree)).ToList());
    }

    private static async Task<Results<Ok<SiteResponse>, ProblemHttpResult>> GetAsync(SiteStore store, HttpContext http, string code, CancellationToken cancellationToken)
    {
        var tree = await store.LoadTreeAsync(cancellationToken).ConfigureAwait(false);
        if (!tree.TryGet(code, out var site))
        {
            return Problems.NotFound("site", code);
        }

        return StaffScopes.For(http.User, tree).Contains(code)
            ? TypedResults.Ok(ToResponse(site, tree))
            : StaffScopes.Forbidden($"Site '{code}' is outside your scope.");
    }

    private static async Task<Results<Created<SiteResponse>, Ok<SiteResponse>>> PutAsync(SiteStore store, HttpContext http, string code, SiteRequest request, CancellationToken cancellationToken)
    {
        if (request.Kind is not { } kind)
        {
            throw DomainException.Invalid("kind", "A site needs a kind: province, department, city, town, district, commune, ward or township.");
        }

        var site = new Site(code, request.Name ?? "", string.IsNullOrWhiteSpace(request.ParentCode) ? null : request.ParentCode, request.Level ?? Site.LevelOf(kind), kind);
        var created = await store.UpsertAsync(site, http.Actor(), cancellationToken).ConfigureAwait(false);
        var tree = await store.LoadTreeAsync(cancellationToken).ConfigureAwait(false);
        var response = ToResponse(tree.Get(code), tree);
        return created ? TypedResults.Created($"/api/sites/{Uri.EscapeDataString(code)}", response) : TypedResults.Ok(response);
    }

    private static async Task<NoContent> DeleteAsync(SiteStore store, HttpContext http, string code, CancellationToken cancellationToken)
    {
        await store.DeleteAsync(code, http.Actor(), cancellationToken).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> ExportAsync(SiteStore store, HttpContext http, string? format, CancellationToken cancellationToken)
    {
        var tree = await store.LoadTreeAsync(cancellationToken).ConfigureAwait(false);
        var scope = StaffScopes.For(http.User, tree);
        var sites = scope.Root is { } root ? tree.Subtree(root).ToList() : tree.All;
        return (format ?? "csv").ToLowerInvariant() switch
        {
            "csv" => TypedResults.File([.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(SiteFiles.ToCsv(sites))], "text/csv; charset=utf-8", "sites.csv"),
            "json" => TypedResults.File(Encoding.UTF8.GetBytes(SiteFiles.ToJson(sites)), "application/json; charset=utf-8", "sites.json"),
            _ => Problems.BadRequest($"Format '{format}' is not csv or json."),
        };
    }

    private static async Task<Results<Ok<SiteImportResult>, ValidationProblem>> ImportAsync(SiteStore store, HttpContext http, CancellationToken cancellationToken)
    {
        string text;
        using (var reader = new StreamReader(http.Request.Body, new UTF8Encoding(false, throwOnInvalidBytes: true)))
        {
            try
            {
                text = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DecoderFallbackException)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["file"] = ["The file is not UTF-8 text."] }, title: "Import refused");
            }
        }

        var mediaType = http.Request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        var json = mediaType == "application/json" || (mediaType is null && text.TrimStart('\uFEFF', ' ', '\r', '\n', '\t').StartsWith('['));
        var sites = json ? SiteFiles.FromJson(text, out var errors) : SiteFiles.FromCsv(text, out errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(
                errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()),
                detail: $"{errors.Count} problem(s) in the file; nothing was imported.", title: "Import refused");
        }

        var result = await store.ImportAsync(sites, http.Actor(), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(result);
    }

    private static SiteResponse ToResponse(Site site, SiteTree tree) =>
        new(site.Code, site.Name, site.ParentCode, site.Level, site.Kind, tree.ChildrenOf(site.Code).Count);
}
