using System.Globalization;
using Conferencing.Server.Common;
using Conferencing.Server.Documents;
using Conferencing.Server.Meetings;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Writer;

namespace Conferencing.Server.Room;

/// <summary>
/// Sample documents for the demo meetings, written at seed time with PdfPig (no binary committed):
/// the programme, a report with a chart, and a confidential plan, so a newcomer can open a room
/// display, scan, and read.
/// </summary>
public sealed partial class RoomDemo(DocumentService documents, DisplayLinks displays, IConfiguration configuration, ILogger<RoomDemo> logger)
{
    private const string Actor = "demo-seed";

    public async Task SeedAsync(Meeting meeting, bool withDisplayLink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(meeting);
        var agenda = meeting.Agenda;
        await UploadAsync(meeting, Programme(meeting), "chuong-trinh-hoi-nghi.pdf", "Chương trình hội nghị", false, agenda.FirstOrDefault()?.Id, cancellationToken).ConfigureAwait(false);
        await UploadAsync(meeting, Report(), "bao-cao-kinh-te-xa-hoi.pdf", "Báo cáo tình hình kinh tế - xã hội", false, agenda.Skip(1).FirstOrDefault()?.Id, cancellationToken).ConfigureAwait(false);
        await UploadAsync(meeting, Confidential(), "ke-hoach-bao-dam-an-ninh.pdf", "Kế hoạch bảo đảm an ninh, trật tự", true, null, cancellationToken).ConfigureAwait(false);
        if (withDisplayLink)
        {
            var (_, token) = await displays.CreateAsync(meeting.HostSiteCode, "Demo", Actor, cancellationToken).ConfigureAwait(false);
            var url = configuration["Urls"]?.Split(';')[0] ?? "http://localhost:5080";
            Console.WriteLine($"""
                 Paperless room: chair at {url}/meetings/{meeting.Id}/room (vanphong)
                                 room display {url}/display/link/{token}
                                 invitations with PINs {url}/meetings/{meeting.Id}/invitations
                """);
            Log.Seeded(logger, meeting.Id);
        }
    }

    private async Task UploadAsync(Meeting meeting, byte[] pdf, string fileName, string title, bool confidential, Guid? agendaItem, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream(pdf);
        await documents.UploadAsync(meeting.Id, stream, fileName, new DocumentChanges(title, confidential, agendaItem), Actor, cancellationToken).ConfigureAwait(false);
    }

    private static byte[] Programme(Meeting meeting)
    {
        var builder = new PdfDocumentBuilder();
        var regular = PdfFonts.AddRegular(builder);
        var bold = PdfFonts.AddBold(builder);
        var page = builder.AddPage(PageSize.A4);
        page.AddText("ỦY BAN NHÂN DÂN TỈNH PHÚ THỌ", 12, new PdfPoint(60, 780), bold);
        page.AddText("CHƯƠNG TRÌNH HỘI NGHỊ", 18, new PdfPoint(60, 730), bold);
        page.AddText(meeting.Title, 12, new PdfPoint(60, 705), regular);
        page.AddText(string.Create(CultureInfo.InvariantCulture, $"Thời gian: {VietnamTime.ToLocal(meeting.StartUtc):HH:mm dd/MM/yyyy}"), 12, new PdfPoint(60, 685), regular);
        var y = 640.0;
        foreach (var item in meeting.Agenda)
        {
            page.AddText(string.Create(CultureInfo.InvariantCulture, $"{item.Order}. {item.Title}"), 13, new PdfPoint(60, y), bold);
            page.AddText($"Trình bày: {item.Presenter ?? "Các điểm cầu"} · {item.DurationMinutes} phút", 11, new PdfPoint(80, y - 18), regular);
            y -= 50;
        }

        return builder.Build();
    }

    private static byte[] Report()
    {
        var builder = new PdfDocumentBuilder();
        var regular = PdfFonts.AddRegular(builder);
        var bold = PdfFonts.AddBold(builder);
        string[] sections = ["Tăng trưởng kinh tế", "Thu ngân sách", "Nông nghiệp và nông thôn mới", "Chuyển đổi số", "Nhiệm vụ thời gian tới"];
        int[] values = [68, 82, 55, 74, 90];
        for (var i = 0; i < sections.Length; i++)
        {
            var page = builder.AddPage(PageSize.A4);
            page.AddText("BÁO CÁO TÌNH HÌNH KINH TẾ - XÃ HỘI", 16, new PdfPoint(60, 780), bold);
            page.AddText(string.Create(CultureInfo.InvariantCulture, $"Phần {i + 1}. {sections[i]}"), 14, new PdfPoint(60, 740), bold);
            page.AddText("Số liệu minh họa cho bản trình diễn; không phải số liệu chính thức.", 11, new PdfPoint(60, 715), regular);
            for (var bar = 0; bar < 6; bar++)
            {
                var height = (values[i] + (bar * 17 % 40)) * 3.0;
                page.SetTextAndFillColor(164, 22, 26);
                page.DrawRectangle(new PdfPoint(80 + (bar * 70), 300), 40, height, 1, fill: true);
                page.ResetColor();
                page.AddText(string.Create(CultureInfo.InvariantCulture, $"Q{(bar % 4) + 1}/{2024 + (bar / 4)}"), 10, new PdfPoint(80 + (bar * 70), 285), regular);
            }

            page.AddText(string.Create(CultureInfo.InvariantCulture, $"Trang {i + 1} / {sections.Length}"), 10, new PdfPoint(500, 40), regular);
        }

        return builder.Build();
    }

    private static byte[] Confidential()
    {
        var builder = new PdfDocumentBuilder();
        var regular = PdfFonts.AddRegular(builder);
        var bold = PdfFonts.AddBold(builder);
        for (var i = 1; i <= 2; i++)
        {
            var page = builder.AddPage(PageSize.A4);
            page.AddText("MẬT", 20, new PdfPoint(480, 790), bold);
            page.AddText("KẾ HOẠCH BẢO ĐẢM AN NINH, TRẬT TỰ", 16, new PdfPoint(60, 740), bold);
            page.AddText("Tài liệu mẫu cho bản trình diễn phòng họp không giấy.", 12, new PdfPoint(60, 710), regular);
            page.AddText(string.Create(CultureInfo.InvariantCulture, $"Trang {i} / 2"), 10, new PdfPoint(500, 40), regular);
        }

        return builder.Build();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9103, Level = LogLevel.Information, Message = "Demo documents and a display link seeded for meeting {MeetingId}")]
        public static partial void Seeded(ILogger logger, Guid meetingId);
    }
}
