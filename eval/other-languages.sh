#!/usr/bin/env bash
# Lip closure on bilabials in languages other than English: espeak-ng reads a German, a Spanish and
# a French paragraph full of m, b and p (eval/espeak_bilabials.py notes where each one starts, from
# espeak-ng's own phoneme events), Parla animates PORTRAIT with each (default --language auto, which
# takes the acoustic path for them), and the independent yardstick, if given, counts the bilabial
# onsets with the lips closed and shut.
# usage: YARDSTICK=path/to/avsync.py eval/other-languages.sh PORTRAIT [animate options]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
portrait="${1:?usage: eval/other-languages.sh PORTRAIT [animate options]}"
shift
scripts/install-deps.sh espeak-ng sox >/dev/null
dir=$(mktemp -d /tmp/parla-languages.XXXXXX)
declare -A text=(
  [de]="Mein Bruder bringt mir morgen bitte Milch mit. Peter backt am Montag Brot, und meine Mutter malt ein buntes Bild. Im Park spielen viele Kinder mit einem großen Ball. Wir möchten bald nach Berlin fahren, um dort mehr Museen zu besuchen. Am Abend beginnt die Musik, und jeder bleibt bis Mitternacht."
  [es]="Mi madre compra pan para mañana. Pablo bebe mucho vino blanco en el bar. Por la mañana, mi perro busca pelotas en el parque. Mañana vamos a Madrid para ver un museo muy bonito. Me gusta mucho la música que ponen por la tarde."
  [fr]="Ma mère prépare un bon petit pain pour le matin. Paul boit beaucoup de bière au bord de la mer. Mon ami Pierre marche dans le parc avec ma petite fille. Nous partons bientôt pour Bordeaux, mais il pleut beaucoup. Mes parents aiment la musique de Mozart."
)
for lang in de es fr; do
  /usr/bin/python3 eval/espeak_bilabials.py "$lang" "${text[$lang]}" "$dir/$lang.22k.wav"
  sox -V1 -D "$dir/$lang.22k.wav" -r 16000 "$dir/$lang.wav"  # -D: no dither, the same voice every run
  ./parla animate "$portrait" "$dir/$lang.wav" -o "$dir/$lang.mp4" "$@" \
    --consent "Evaluation on synthetic speech and a public-domain portrait." >"$dir/$lang.log" 2>&1 ||
    { cat "$dir/$lang.log" >&2; exit 1; }
  if [ -n "${YARDSTICK:-}" ]; then
    echo "$lang: $(/usr/bin/python3 "$YARDSTICK" "$dir/$lang.mp4" --words "$dir/$lang.22k.wav.words")"
  fi
done
echo "eval: videos and onsets in $dir"
