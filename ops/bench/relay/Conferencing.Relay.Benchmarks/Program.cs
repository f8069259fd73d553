using System.Globalization;

namespace Conferencing.Relay.Benchmarks;

/// <summary>
/// The relay fan-out benchmark (ops/bench/relay/run.sh builds and starts it):
/// <c>run --bin DIR --seconds 10 --repeats 3 --legs 10,100,300,1000 --out results.md</c> measures,
/// <c>forward --legs N --sink-port P --source-port S --batched true</c> is the .NET forwarder it starts.
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 1; i + 1 < args.Length; i += 2)
        {
            options[args[i]] = args[i + 1];
        }

        int Int(string name, int fallback) => options.TryGetValue(name, out string? v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        return args.FirstOrDefault() switch
        {
            "forward" => Forwarder.Run(Int("--legs", 10), Int("--sink-port", 0), Int("--source-port", 0), options.GetValueOrDefault("--batched", "true") == "true"),
            "audio" => AudioBench.RunAll(Int("--legs", 150), Int("--seconds", 10), Int("--repeats", 3), options.GetValueOrDefault("--out", "audio-results.md")),
            "audio-one" => AudioBench.RunOne(Int("--legs", 150), options.GetValueOrDefault("--config", "forward"), Int("--seconds", 10)),
            "run" => Runner.Run(
                options.GetValueOrDefault("--bin") ?? throw new ArgumentException("--bin DIR with gen, sink and cfwd"),
                Int("--seconds", 10),
                Int("--repeats", 3),
                [.. options.GetValueOrDefault("--legs", "10,100,300,1000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))],
                options.GetValueOrDefault("--out", "results.md")),
            _ => Usage(),
        };
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: run --bin DIR [--seconds 10] [--repeats 3] [--legs 10,100,300,1000] [--out results.md]");
        Console.Error.WriteLine("       audio [--legs 150] [--seconds 10] [--repeats 3] [--out audio-results.md]");
        Console.Error.WriteLine("       forward --legs N --sink-port P --source-port S [--batched true|false]");
        return 2;
    }
}
