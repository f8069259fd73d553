#!/usr/bin/env bash
# Room control at province scale: 3,500 room agents (the real agent connection class, each with a
# simulated PJLink projector, in a child process) connected to one server; server memory and CPU per
# agent, and "power on every display of a 149-site meeting" end to end beside the same commands sent
# straight to the simulators. Usage: ops/bench/roomcontrol/run.sh [agents] [sites] [rounds]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
dotnet build "$here/Conferencing.RoomControl.Benchmarks.csproj" -c Release -v quiet -nologo >/dev/null
dotnet "$here/bin/Release/net10.0/Conferencing.RoomControl.Benchmarks.dll" --agents "${1:-3500}" --sites "${2:-149}" --rounds "${3:-20}"
