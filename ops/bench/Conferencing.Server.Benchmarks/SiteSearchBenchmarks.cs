using BenchmarkDotNet.Attributes;
using Conferencing.Server.Common;
using Conferencing.Server.Demo;
using Conferencing.Server.Sites;

namespace Conferencing.Server.Benchmarks;

/// <summary>
/// One keystroke in the site picker over the demo province (165 sites): the index folds every name
/// once when the page opens; the baseline folds them again for each query, as a picker without
/// the index would.
/// </summary>
[MemoryDiagnoser]
public class SiteSearchBenchmarks
{
    private SiteTree _tree = null!;
    private SiteIndex _index = null!;

    [Params("pa co", "xa")]
    public string Query { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        _tree = SiteTree.Build(DemoSeeder.LoadDemoSites());
        _index = new SiteIndex(_tree);
    }

    [Benchmark(Baseline = true)]
    public int FoldEveryNamePerQuery()
    {
        var folded = VietnameseText.Fold(Query);
        return _tree.All.Count(s => VietnameseText.Fold(s.Name).Contains(folded, StringComparison.Ordinal));
    }

    [Benchmark]
    public int Indexed() => _index.Search(Query).Count();
}
