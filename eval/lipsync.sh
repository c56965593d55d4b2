#!/usr/bin/env bash
# Lip-sync evaluation on the LibriVox clips in tests/data/voices.
#  1. The motion track: forced word alignment (pocketsphinx, one-sentence grammar) against the
#     transcripts; every word on p/b/m must find the lips shut within one frame of its onset, every
#     word with an open vowel an open jaw; and per 10 ms of speech, whether the decoded phone's viseme
#     is the one a forced phone alignment of the transcript puts there (the Category=Evaluation
#     tests; figures in their output).
#  2. With --video PORTRAIT: renders the five clips read as one and prints the yardstick's
#     measurements of the video, if the independent yardstick is present (YARDSTICK=path/to/avsync.py).
# usage: eval/lipsync.sh [--video PORTRAIT]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
scripts/install-deps.sh
dotnet test tests/Parla.Tests -c Release --nologo --filter "Category=Evaluation" --logger "console;verbosity=detailed" 2>&1 |
  grep -E "^ +(librivox )?(0[0-9]{3}|all):|Passed|Failed" || true
[ "${1:-}" = "--video" ] || exit 0
portrait="$2"
dir=$(mktemp -d /tmp/parla-lipsync.XXXXXX)
V=tests/data/voices
clips=(0870 0880 0890 0920 0930)
command -v sox >/dev/null || { echo "eval: sox is needed to join the clips (apt-get install sox)" >&2; exit 3; }
sox $(for c in "${clips[@]}"; do echo "$V/librivox_$c.wav"; done) "$dir/read.wav"
./parla animate "$portrait" "$dir/read.wav" -o "$dir/read.mp4" --motion-json "$dir/read.json"
echo "eval: video and track in $dir"
if [ -n "${YARDSTICK:-}" ] && [ -n "${WORDS:-}" ]; then
  /usr/bin/python3 "$YARDSTICK" "$dir/read.mp4" --words "$WORDS" --sheet "$dir/sheet.png"
fi
