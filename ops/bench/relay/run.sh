#!/usr/bin/env bash
# Relay fan-out benchmark: one 2 Mbit/s program to 10, 100, 300 and 1000 legs on loopback.
# Compiles the C generator, sink and baseline forwarder (recvmmsg/sendmmsg) with the machine's gcc,
# builds the .NET runner, runs everything and writes results.md next to this script.
#   ops/bench/relay/run.sh [SECONDS=10] [REPEATS=3] [LEGS=10,100,300,1000]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
seconds=${1:-10}
repeats=${2:-3}
legs=${3:-10,100,300,1000}
bin="$here/bin"
mkdir -p "$bin"
for program in gen sink cfwd; do
  gcc -O2 -Wall -Wextra -o "$bin/$program" "$here/c/$program.c"
done
dotnet build "$here/Conferencing.Relay.Benchmarks" -c Release -nologo -v quiet -o "$bin/dotnet" >/dev/null
dotnet "$bin/dotnet/Conferencing.Relay.Benchmarks.dll" run --bin "$bin" --seconds "$seconds" --repeats "$repeats" --legs "$legs" --out "$here/results.md"
cat "$here/results.md"
