using Conferencing.Server.Hosting;

namespace Conferencing.Server.Reports;

/// <summary>The report's settings, registered from its own folder so the server's setup gains one line.</summary>
public static class ReportSetup
{
    public static IServiceCollection AddReportLetterhead(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ReportOptions>().BindConfiguration(ReportOptions.Section)
            .Check(o => o.Validate() is null, o => o.Validate()!)
            .ValidateOnStart();
        return services;
    }
}
