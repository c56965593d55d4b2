#!/usr/bin/env bash
# Installs the system programs Parla needs (ffmpeg; npm to fetch the face models; pocketsphinx
# for English phoneme timing) from Debian's
# packages when they are missing. As root it installs them; otherwise it names the packages.
# usage: scripts/install-deps.sh [--quiet] [extra Debian packages...]
set -euo pipefail
quiet=0
if [ "${1:-}" = "--quiet" ]; then quiet=1; shift; fi
declare -A bin_of=([ffmpeg]=ffmpeg [npm]=npm)
# fonts-dejavu-core: the disclosure label. libpocketsphinx3 + pocketsphinx-en-us: English phoneme timing (in process).
missing=()
for pkg in ffmpeg npm fonts-dejavu-core libpocketsphinx3 pocketsphinx-en-us "$@"; do
  bin="${bin_of[$pkg]:-$pkg}"
  if [ "$pkg" = "${bin}" ] && command -v "$bin" >/dev/null 2>&1; then continue; fi
  if [ "$pkg" != "$bin" ] && command -v "$bin" >/dev/null 2>&1; then continue; fi
  dpkg -s "$pkg" >/dev/null 2>&1 && continue
  missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "parla: missing system packages: ${missing[*]}" >&2
  echo "       install them with: sudo apt-get install ${missing[*]}" >&2
  exit 3
fi
echo "parla: installing ${missing[*]} from Debian (apt-get)…" >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2; rm -f "$log"
  echo "parla: could not install ${missing[*]}" >&2
  exit 3
fi
rm -f "$log"
[ $quiet -eq 1 ] || echo "parla: installed ${missing[*]}" >&2
