#!/usr/bin/env bash
# Audio benchmark: one 150-leg meeting forwarded, mixed with 2 contributors and with 4, and mixed with 2
# plus the recorder (a leg into Debian's ffmpeg, whose CPU is measured apart), side by side
# in one run (each configuration in its own process). Writes audio-results.md next to this script.
#   ops/bench/relay/run-audio.sh [SECONDS=10] [REPEATS=3] [LEGS=150]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin="$here/bin"
mkdir -p "$bin"
dotnet build "$here/Conferencing.Relay.Benchmarks" -c Release -nologo -v quiet -o "$bin/dotnet" >/dev/null
dotnet "$bin/dotnet/Conferencing.Relay.Benchmarks.dll" audio --seconds "${1:-10}" --repeats "${2:-3}" --legs "${3:-150}" --out "$here/audio-results.md"
