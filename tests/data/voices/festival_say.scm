; (parla-say 'voice_NAME "text" "out.wav" "out.words"): festival speaks the text with the voice, saves
; the wave, and each word's start and end (seconds) as the synthesiser placed its first and last
; segment: "word start end" lines, the yardstick's word format.
; (parla-sing 'voice_NAME "song.xml" "out.wav" "out.words"): the same for a song in festival's
; singing mode (Singing.v0_1.dtd: a note and a duration in beats for each word); a diphone voice
; holds the notes as written. Used by the tests (FestivalVoice) and eval/festival-voices.sh.
(define (parla-save-words utt wav words)
  (utt.save.wave utt wav 'riff)
  (let ((fd (fopen words "w")))
    (mapcar (lambda (w)
      (format fd "%s %f %f\n" (downcase (item.name w))
        (item.feat w "R:SylStructure.daughter1.daughter1.segment_start")
        (item.feat w "R:SylStructure.daughtern.daughtern.segment_end")))
      (utt.relation.items utt 'Word))
    (fclose fd))
  utt)
(define (parla-say voice text wav words)
  (eval (list voice))
  (set! utt (eval (list 'Utterance 'Text text)))
  (utt.synth utt)
  (parla-save-words utt wav words))
(define (parla-sing voice song wav words)
  (eval (list voice))
  ; The singing mode makes the song one utterance; synthesised, it is saved instead of played.
  (set! tts_hooks (list utt.synth (lambda (utt) (parla-save-words utt wav words))))
  (tts_file song 'singing))
