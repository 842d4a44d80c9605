#!/usr/bin/env bash
# Regenerate the emulator's recorded greeting (run once; the WAVs are committed).
set -euo pipefail
out="$(dirname "$0")/../app/sonic/emulator/assets"
text="Hello! This is the Nova Sonic emulator. Say something, and I will repeat it."
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
espeak-ng -v en-us -s 175 -w "$tmp/raw.wav" "$text"
for rate in 8000 16000 24000; do
  sox "$tmp/raw.wav" -r "$rate" -c 1 -b 16 -e signed-integer "$out/greeting_${rate}.wav" norm -3
done
ls -l "$out"
