using Conferencing.Server.Endpoints.Presence;
using Conferencing.Server.Meetings;
using Conferencing.Server.Sites;
using Conferencing.Server.Tests.Infrastructure;

namespace Conferencing.Server.Tests.Meetings;

/// <summary>The small rules under the console's pages: site search, selections, connection summary.</summary>
public sealed class ConsolePieceTests
{
    private static readonly SiteTree Tree = SiteTree.Build(ConsoleSeed.Sites());

    [Theory]
    [InlineData("lam thao", new[] { "PT-H-LT", "PT-X-LT" })]
    [InlineData("LÂM THAO", new[] { "PT-H-LT", "PT-X-LT" })]
    [InlineData("xa lam", new[] { "PT-X-LT" })]
    [InlineData("doan hung", new[] { "PT-X-DH" })]
    [InlineData("pa co", new[] { "PT-X-PC" })]
    [InlineData("PT-X-H", new[] { "PT-X-HC", "PT-X-HH" })]
    [InlineData("phuong", new[] { "PT-P-VT" })]
    [InlineData("không có", new string[0])]
    public void SearchIgnoresCaseAndDiacriticsAndKeepsTreeOrder(string query, string[] codes) =>
        Assert.Equal(codes, new SiteIndex(Tree).Search(query).Select(s => s.Site.Code));

    [Fact]
    public void TheIndexListsParentsBeforeChildrenWithTheirPath()
    {
        var index = new SiteIndex(Tree);
        Assert.Equal("PT", index.Ordered[0].Site.Code);
        Assert.True(index.OrderOf("PT-H-LT") < index.OrderOf("PT-X-LT"));
        Assert.Equal("Huyện Lâm Thao", index.Find("PT-X-LT")!.Path);
        Assert.Equal("", index.Find("PT-X-HC")!.Path);
    }

    [Fact]
    public void AWhollyTickedDistrictBecomesASubtreeAndTheRestSingleSites()
    {
        var selection = SiteSelections.FromTicked(Tree, new HashSet<string> { "PT-H-LT", "PT-X-LT", "PT-X-XL", "PT-X-SV", "PT-X-HC" });
        Assert.Equal(["PT-H-LT"], selection.Subtrees);
        Assert.Equal(["PT-X-HC"], selection.Sites);

        // Not the whole district: its ticked communes are named one by one.
        var partial = SiteSelections.FromTicked(Tree, new HashSet<string> { "PT-H-LT", "PT-X-LT" });
        Assert.Empty(partial.Subtrees!);
        Assert.Equal(["PT-H-LT", "PT-X-LT"], partial.Sites);

        // Everything: the province as one subtree.
        var all = SiteSelections.FromTicked(Tree, Tree.All.Select(s => s.Code).ToHashSet());
        Assert.Equal(["PT"], all.Subtrees);
        Assert.Empty(all.Sites!);
    }

    [Fact]
    public void ASitesConnectionIsItsBestRoomSystem()
    {
        EndpointPresence P(EndpointState state) => new(Guid.NewGuid(), "PT-X-HC", "sip:x@y", state, null, null, null, null, DateTimeOffset.UtcNow, null);
        Assert.Equal(SiteConnection.None, SiteConnection.Of([]));
        Assert.Equal(new SiteConnection(EndpointState.Reachable, 1, 2), SiteConnection.Of([P(EndpointState.Offline), P(EndpointState.Reachable)]));
        Assert.Equal(new SiteConnection(EndpointState.InCall, 2, 2), SiteConnection.Of([P(EndpointState.Degraded), P(EndpointState.InCall)]));
        Assert.Equal(new SiteConnection(EndpointState.Registered, 0, 2), SiteConnection.Of([P(EndpointState.Registered), P(EndpointState.Offline)]));
        Assert.False(SiteConnection.Of([P(EndpointState.Unknown), P(EndpointState.Offline)]).IsUp);
    }
}
