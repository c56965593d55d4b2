#!/usr/bin/env bash
# The encoder's preset, measured on the frames Parla renders: `parla animate` runs with an ffmpeg
# on PATH that copies the raw yuv420p frames it is sent to a file, then each x264 preset encodes
# those frames at CRF 18 with one thread per core; prints x264's CPU seconds (median of 3), the
# file size, and SSIM and PSNR against the rendered frames.
# usage: benchmarks/encoder-presets.sh [seconds-of-voice (30)] [size: 512 or 1080 (512)]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SECONDS_OF_VOICE="${1:-30}"
SIZE="${2:-512}"
scripts/install-deps.sh sox time >/dev/null
work=$(mktemp -d /tmp/parla-presets.XXXXXX)
trap 'rm -rf "$work"' EXIT

sox demo/voice.flac "$work/voice.wav" repeat 3 trim 0 "$SECONDS_OF_VOICE"
# The portraits of benchmarks/e2e.sh: the astronaut as is, or centred on a 1920x1080 canvas.
if [ "$SIZE" = 1080 ]; then
  ffmpeg -v error -y -i tests/data/portraits/astronaut.png -vf "scale=1080:1080:flags=lanczos,pad=1920:1080:420:0:color=0xd8d4d0" "$work/portrait.png"
else
  cp tests/data/portraits/astronaut.png "$work/portrait.png"
fi
mkdir "$work/shim"
cat > "$work/shim/ffmpeg" <<EOF
#!/usr/bin/env bash
# The encoder is the call that reads its frames from stdin: keep a copy of what it is sent.
for a in "\$@"; do [ "\$a" = pipe:0 ] && { tee "$work/frames.yuv" | $(command -v ffmpeg) "\$@"; exit \$?; }; done
exec $(command -v ffmpeg) "\$@"
EOF
chmod +x "$work/shim/ffmpeg"
./parla --help >/dev/null   # build first
PATH="$work/shim:$PATH" ./parla animate "$work/portrait.png" "$work/voice.wav" -o "$work/out.mp4" --max-size 4096 \
  --consent "Benchmark on the public-domain demo portrait and voice." >/dev/null
read -r w h < <(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0 "$work/out.mp4" | tr ',' ' ')

median() { sort -g | sed -n 2p; }
printf '%-10s %8s %10s %9s %9s\n' preset cpu_s bytes ssim_db psnr_db
for preset in ultrafast superfast veryfast faster medium; do
  for r in 1 2 3; do
    /usr/bin/time -f "%U %S" -o "$work/time" ffmpeg -v error -y -f rawvideo -pix_fmt yuv420p -s "${w}x${h}" -framerate 25 \
      -i "$work/frames.yuv" -c:v libx264 -preset "$preset" -crf 18 -threads "$(nproc)" "$work/e.mp4"
    awk '{print $1 + $2}' "$work/time"
  done > "$work/cpu"
  quality=$(ffmpeg -f rawvideo -pix_fmt yuv420p -s "${w}x${h}" -framerate 25 -i "$work/frames.yuv" -i "$work/e.mp4" \
    -lavfi "[1:v][0:v]ssim;[1:v][0:v]psnr" -f null - 2>&1 | sed -nE 's/.*SSIM.*All:[0-9.]+ \(([0-9.]+)\).*/\1/p; s/.*PSNR.*average:([0-9.]+).*/\1/p' | tr '\n' ' ')
  read -r ssim psnr <<< "$quality"
  printf '%-10s %8.2f %10d %9s %9s\n' "$preset" "$(median < "$work/cpu")" "$(stat -c %s "$work/e.mp4")" "$ssim" "$psnr"
done
echo "(${w}x${h}, $SECONDS_OF_VOICE s of the demo read on the astronaut; $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
