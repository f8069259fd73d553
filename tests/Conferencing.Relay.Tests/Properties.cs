// The suite runs real peers (sipp, baresip, relay processes) that need the CPU in real time; on two
// shared cores, running test classes side by side only makes each of them late.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
