using System.Globalization;
using BenchmarkDotNet.Attributes;
using Conferencing.Server.Common;
using Conferencing.Server.Demo;
using Conferencing.Server.Meetings;
using Conferencing.Server.Reports;
using Conferencing.Server.Sites;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.Benchmarks;

/// <summary>
/// A year of the province's meetings in the shape of its 2022 figures (121 relayed from central,
/// 17 province-hosted, 158 commune-level; about 4,150 endpoint connections and 220,000 delegates)
/// on the demo tree: aggregating the report is the baseline; each export is measured against it.
/// </summary>
[MemoryDiagnoser]
public class ReportBenchmarks
{
    private List<Meeting> _meetings = [];
    private List<MeetingSiteQuality> _quality = [];
    private SiteIndex _index = null!;
    private ReportText _text = null!;
    private MeetingReport _report = null!;
    private ReportPeriod _period = null!;

    [GlobalSetup]
    public void Setup()
    {
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo("vi-VN");
        var factory = new ResourceManagerStringLocalizerFactory(Options.Create(new LocalizationOptions { ResourcesPath = "Resources" }), NullLoggerFactory.Instance);
        _text = new ReportText(new StringLocalizer<Ui>(factory));
        var tree = SiteTree.Build(DemoSeeder.LoadDemoSites());
        _index = new SiteIndex(tree);
        var communes = tree.All.Where(s => s.Level == SiteLevel.Commune).OrderBy(s => s.Code, StringComparer.Ordinal).ToList();
        var year = VietnamTime.LocalDate(DateTimeOffset.UtcNow).Year + 1;
        _period = new ReportPeriod(new DateOnly(year, 1, 1), new DateOnly(year, 12, 31));
        var random = new Random(2022);
        var created = DateTimeOffset.UtcNow;
        var kinds = Enumerable.Repeat(MeetingKind.RelayedFromCentral, 121).Concat(Enumerable.Repeat(MeetingKind.ProvinceHosted, 17)).Concat(Enumerable.Repeat(MeetingKind.CommuneLevel, 158)).ToList();
        for (var i = 0; i < kinds.Count; i++)
        {
            var kind = kinds[i];
            var day = _period.From.AddDays(i * 365 / kinds.Count);
            var start = VietnamTime.FromLocal(day, new TimeOnly(8 + i % 3 * 3, 0));
            var host = kind == MeetingKind.CommuneLevel ? communes[random.Next(communes.Count)].Code : "PT";
            var sites = communes.OrderBy(_ => random.Next()).Take(kind == MeetingKind.CommuneLevel ? 4 : 20).Select(s => s.Code).ToList();
            var people = Enumerable.Range(0, 743).Select(n => new DelegateInput(null, $"Đại biểu {n}", null, null, sites[n % sites.Count], null)).ToList();
            var meeting = Meeting.Schedule(Guid.NewGuid(), new MeetingDetails($"Hội nghị {i}", null, kind, host, start, start.AddHours(2), new SiteSelection([], sites), people, []), tree, "bench", created);
            meeting.Start(start);
            foreach (var code in sites)
            {
                var roll = random.Next(10);
                meeting.RecordAttendance(code, roll == 0 ? AttendanceStatus.Absent : roll == 1 ? AttendanceStatus.Late : AttendanceStatus.Present, roll == 0 ? "Mất điện" : null, null, "bench", start);
                _quality.Add(new MeetingSiteQuality(meeting.Id, code, 7000, 7000, random.NextDouble() * 2, random.NextDouble() * 40, 60, 2048));
            }

            meeting.End(start.AddHours(2));
            _meetings.Add(meeting);
        }

        _report = MeetingReport.Build(_period, _meetings, _quality, _index, created);
    }

    [Benchmark(Baseline = true)]
    public MeetingReport Aggregate() => MeetingReport.Build(_period, _meetings, _quality, _index, DateTimeOffset.UtcNow);

    [Benchmark]
    public byte[] Csv() => ReportCsv.Write(_report, _text);

    [Benchmark]
    public byte[] Pdf() => ReportPdf.Write(_report, _text);

    [Benchmark]
    public int Charts() => ReportCharts.MeetingsByKind(_report, _text).Length + ReportCharts.MeetingsOverTime(_report, _text).Length;
}
