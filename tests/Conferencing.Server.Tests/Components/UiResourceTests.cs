using System.Collections;
using System.Globalization;
using System.Resources;
using System.Text.RegularExpressions;
using Conferencing.Server.Components.Shared;

namespace Conferencing.Server.Tests.Components;

/// <summary>The interface's two languages: every string in both, with the same blanks to fill.</summary>
public sealed partial class UiResourceTests
{
    private static Dictionary<string, string> Strings(CultureInfo culture)
    {
        var manager = new ResourceManager("Conferencing.Server.Resources.Ui", typeof(Ui).Assembly);
        var set = manager.GetResourceSet(culture, createIfNotExists: true, tryParents: false)
            ?? throw new InvalidOperationException($"No resources for '{culture.Name}' in {typeof(Ui).Assembly.GetName().Name}.");
        return set.Cast<DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "", StringComparer.Ordinal);
    }

    [Fact]
    public void EveryStringIsInBothLanguagesWithTheSamePlaceholders()
    {
        var vietnamese = Strings(CultureInfo.InvariantCulture);
        var english = Strings(new CultureInfo("en"));
        Assert.True(vietnamese.Count > 500, $"{vietnamese.Count} Vietnamese strings: the resource set did not load.");
        Assert.Empty(vietnamese.Keys.Except(english.Keys).Select(k => "English is missing " + k));
        Assert.Empty(english.Keys.Except(vietnamese.Keys).Select(k => "Vietnamese is missing " + k));
        Assert.Empty(vietnamese.Where(e => string.IsNullOrWhiteSpace(e.Value)).Select(e => "Empty Vietnamese " + e.Key));
        Assert.Empty(english.Where(e => string.IsNullOrWhiteSpace(e.Value)).Select(e => "Empty English " + e.Key));
        var differing = vietnamese.Keys
            .Where(k => !Placeholders(vietnamese[k]).SetEquals(Placeholders(english[k])))
            .Select(k => $"{k}: '{vietnamese[k]}' / '{english[k]}'").ToList();
        Assert.Empty(differing);
    }

    [Fact]
    public void UserAgentsReadAsDevices()
    {
        Assert.Equal("iPhone · Safari", HistoryWording.DeviceName("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"));
        Assert.Equal("Android · Chrome", HistoryWording.DeviceName("Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36"));
        Assert.Equal("Windows · Edge", HistoryWording.DeviceName("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0"));
        Assert.Equal("iPhone · Zalo", HistoryWording.DeviceName("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Zalo iOS/24.04"));
        Assert.Equal("Mac · Firefox", HistoryWording.DeviceName("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0"));
        Assert.Equal("curl/8.5.0", HistoryWording.DeviceName("curl/8.5.0"));
    }

    [Theory]
    [InlineData("02/12/2026", 2026, 12, 2)]
    [InlineData("2/12/2026", 2026, 12, 2)]
    [InlineData("2026-12-02", 2026, 12, 2)]
    public void DaysAreReadTheVietnameseWayAndTheIsoWay(string typed, int year, int month, int day)
    {
        var before = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("vi-VN");
            Assert.Equal(new DateOnly(year, month, day), LocalInput.ParseDay(typed));
            Assert.Equal("02/12/2026", LocalInput.Day(new DateOnly(2026, 12, 2)));
            Assert.Equal(new TimeOnly(14, 5), LocalInput.ParseTime("14:05"));
            Assert.Null(LocalInput.ParseTime("2:05 PM"));
            Assert.Null(LocalInput.ParseDay("31/02/2026"));
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
        }
    }

    private static HashSet<string> Placeholders(string value) => [.. Placeholder().Matches(value).Select(m => m.Groups[1].Value)];

    [GeneratedRegex(@"\{(\d+)(?:[,:][^}]*)?\}")]
    private static partial Regex Placeholder();
}
