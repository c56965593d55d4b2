#!/usr/bin/env bash
# Parla on real photographs of people: the six group photos in the demo folder of the npm package
# @vladmandic/face-api (1.7.15; fetched with npm, not kept in the repository) hold faces of many
# kinds — eye make-up, dark lipstick, downcast eyes, tilted and laughing heads, skin tones. Every face
# of 150 px or more is cut out as a square portrait (2.4 times its box, a little below its centre),
# animated with VOICE, and written with a frame of each face's first shut blink; with YARDSTICK (the
# path of avsync.py) and WORDS (its word alignment of the voice) each video is also measured.
# Needs python3 (Debian's, /usr/bin/python3) to read the landmarks and motion JSON.
# usage: [YARDSTICK=path/to/avsync.py WORDS=words.txt] eval/real-photos.sh VOICE [animate options]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
voice="$(realpath "${1:?usage: eval/real-photos.sh VOICE [animate options]}")"
shift
scripts/install-deps.sh >/dev/null
dir=$(mktemp -d /tmp/parla-photos.XXXXXX)
(cd "$dir" && npm pack --silent @vladmandic/face-api@1.7.15 >/dev/null && tar xzf vladmandic-face-api-1.7.15.tgz package/demo)
for photo in "$dir"/package/demo/sample*.jpg; do
  name=$(basename "$photo" .jpg)
  ./parla landmarks "$photo" --json >"$dir/$name.json" 2>/dev/null
  # One square crop per face of 150 px or more: "x y side" lines.
  /usr/bin/python3 -c '
import json, sys
for i, f in enumerate(json.load(open(sys.argv[1]))["faces"]):
    x, y, w, h = f["box"]
    if w < 150: continue
    side = int(2.4 * w)
    print(i, max(0, int(x + w / 2 - side / 2)), max(0, int(y + 0.6 * h - side / 2)), side)' "$dir/$name.json" |
  while read -r i x y side; do
    face="$dir/${name}_face$i"
    ffmpeg -nostdin -v error -y -i "$photo" -vf "crop=$side:$side:$x:$y" "$face.png"
    ./parla animate "$face.png" "$voice" -o "$face.mp4" --motion-json "$face.motion.json" "$@" \
      --consent "Evaluation on a published sample photograph." </dev/null >"$face.log" 2>&1 ||
      { echo "${name}_face$i: animate failed: $(tail -1 "$face.log")"; continue; }
    # The first frame with both eyes shut, to look at.
    shut=$(/usr/bin/python3 -c '
import json, sys
frames = json.load(open(sys.argv[1]))["frames"]
print(next((i for i, f in enumerate(frames) if min(f["blinkLeft"], f["blinkRight"]) >= 0.99), 0))' "$face.motion.json")
    ffmpeg -nostdin -v error -y -i "$face.mp4" -vf "select=eq(n\,$shut)" -frames:v 1 -fps_mode passthrough "$face.shut.png"
    if [ -n "${YARDSTICK:-}" ]; then
      echo "${name}_face$i: $(/usr/bin/python3 "$YARDSTICK" "$face.mp4" ${WORDS:+--words "$WORDS"} --sheet "$face.sheet.png" </dev/null 2>/dev/null)" |
        tee -a "$dir/yardstick.txt"
    else
      echo "${name}_face$i: $face.mp4"
    fi
  done
done
# With the yardstick: the figures the issues judge by, over the faces it follows (face in most frames).
if [ -s "$dir/yardstick.txt" ]; then
  /usr/bin/python3 -c '
import json, statistics, sys
rows = [json.loads(l.split(": ", 1)[1]) for l in open(sys.argv[1]) if ": {" in l]
kept = [r for r in rows if r.get("face_found", 0) >= 0.5 and "r_at_0" in r]
if kept:
    r0 = [r["r_at_0"] for r in kept]
    narrow = sum(r["mouth_p10_p90"][1] - r["mouth_p10_p90"][0] < 0.08 for r in kept)
    blinking = sum(r["blinks_per_min"] > 0 for r in kept)
    shut = sum(r["bilabial_shut"][0] == r["bilabial_shut"][1] for r in kept if "bilabial_shut" in r)
    print("eval: %d of %d faces followed; r at lag 0 median %.3f (min %.3f); mouth range under 0.08 on %d; blinks counted on %d; "
          "bilabials shut at every onset on %d" % (len(kept), len(rows), statistics.median(r0), min(r0), narrow, blinking, shut))' "$dir/yardstick.txt"
fi
echo "eval: portraits, videos, shut-eye frames and sheets in $dir"
