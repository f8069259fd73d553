#!/usr/bin/env bash
# The monitoring hub's push benchmark: 3,500 endpoints' changes a second to 50 dashboards, against a
# bare WebSocket baseline. Usage: ops/bench/monitoring/run.sh [rounds] [dashboards] [endpoints]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dotnet build "$here/Conferencing.Monitoring.Benchmarks.csproj" -c Release -v quiet -nologo >/dev/null
dotnet "$here/bin/Release/net10.0/Conferencing.Monitoring.Benchmarks.dll" --rounds "${1:-30}" --clients "${2:-50}" --endpoints "${3:-3500}"
