using Conferencing.Server.Accounts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Localization;

namespace Conferencing.Server.Reports;

/// <summary>
/// The meeting report over HTTP: JSON for programs, CSV and PDF to download. The period is given in
/// local days (<c>from</c> and <c>to</c>, yyyy-MM-dd, both included); a bad one is a 400 naming the
/// field. Files are worded in the caller's language (the culture cookie), Vietnamese by default.
/// </summary>
public static class ReportApi
{
    public static RouteGroupBuilder MapReportApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/reports").WithTags("Reports").RequireAuthorization(StaffRoles.Policies.Secretariat);
        group.MapGet("/meetings", JsonAsync).ProducesValidationProblem()
            .WithSummary("Meetings held in a period by kind, by month and per site (attendance, quality).");
        group.MapGet("/meetings.csv", CsvAsync).Produces<string>(200, "text/csv").ProducesValidationProblem();
        group.MapGet("/meetings.pdf", PdfAsync).Produces<byte[]>(200, ReportPdf.ContentType).ProducesValidationProblem();
        return group;
    }

    private static async Task<Ok<MeetingReport>> JsonAsync(ReportService reports, HttpContext http, string? from, string? to, CancellationToken cancellationToken) =>
        TypedResults.Ok(await reports.BuildAsync(ReportPeriod.Parse(from, to), http.User, cancellationToken).ConfigureAwait(false));

    private static async Task<FileContentHttpResult> CsvAsync(ReportService reports, IStringLocalizer<Ui> text, HttpContext http, string? from, string? to, CancellationToken cancellationToken)
    {
        var report = await reports.BuildAsync(ReportPeriod.Parse(from, to), http.User, cancellationToken).ConfigureAwait(false);
        return TypedResults.File(ReportCsv.Write(report, new ReportText(text)), ReportCsv.ContentType, FileName(report.Period, "csv"));
    }

    private static async Task<FileContentHttpResult> PdfAsync(ReportService reports, IStringLocalizer<Ui> text, Microsoft.Extensions.Options.IOptions<ReportOptions> letterhead,
        HttpContext http, string? from, string? to, CancellationToken cancellationToken)
    {
        var report = await reports.BuildAsync(ReportPeriod.Parse(from, to), http.User, cancellationToken).ConfigureAwait(false);
        return TypedResults.File(ReportPdf.Write(report, new ReportText(text), letterhead.Value), ReportPdf.ContentType, FileName(report.Period, "pdf"));
    }

    /// <summary>An ASCII name, so every browser and mail client keeps it: bao-cao-hoi-nghi_2025-01-01_2025-12-31.csv.</summary>
    public static string FileName(ReportPeriod period, string extension)
    {
        ArgumentNullException.ThrowIfNull(period);
        return $"bao-cao-hoi-nghi_{Components.Display.IsoDate(period.From)}_{Components.Display.IsoDate(period.To)}.{extension}";
    }
}
