#!/usr/bin/env bash
# Generates the test media the relay tests play through sipp: a short H.264 clip (constrained
# baseline, an IDR every second, ~2 Mbit/s, SPS/PPS before each IDR) and G.711 µ-law audio, made
# with ffmpeg, then packetized into RTP and written as pcap files by ops/media/Conferencing.MediaTool.
# Nothing binary is committed: this runs at test time into the directory given.
#   make-test-media.sh OUTDIR [SECONDS] [CSRC-HEX]
# MEDIA_TOOL may name a built Conferencing.MediaTool.dll; otherwise the tool is built first.
set -euo pipefail
out=${1:?output directory}
seconds=${2:-12}
csrc=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"

ffmpeg -hide_banner -loglevel error -nostdin -y \
  -f lavfi -i "testsrc2=size=640x360:rate=25" -t "$seconds" \
  -c:v libx264 -profile:v baseline -level 3.1 -pix_fmt yuv420p -preset veryfast -tune zerolatency \
  -b:v 2M -maxrate 2M -bufsize 1M -g 25 -keyint_min 25 -sc_threshold 0 \
  -x264-params "slices=1:repeat-headers=1:aud=0" \
  -f h264 "$out/central.h264"
ffmpeg -hide_banner -loglevel error -nostdin -y \
  -f lavfi -i "sine=frequency=440:sample_rate=8000" -t "$seconds" \
  -ac 1 -ar 8000 -f mulaw "$out/central.ul"

tool=${MEDIA_TOOL:-}
if [ -z "$tool" ]; then
  dotnet build "$here/Conferencing.MediaTool" -c Release -nologo -v quiet -o "$out/tool" >/dev/null
  tool="$out/tool/Conferencing.MediaTool.dll"
fi

args=(pcap --h264 "$out/central.h264" --fps 25 --video "$out/central-video.pcap" --mulaw "$out/central.ul" --audio "$out/central-audio.pcap")
[ -n "$csrc" ] && args+=(--csrc "$csrc")
dotnet "$tool" "${args[@]}"
