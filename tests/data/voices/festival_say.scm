; (parla-say 'voice_NAME "text" "out.wav" "out.words"): festival speaks the text with the voice, saves
; the wave, and each word's start and end (seconds) as the synthesiser placed its first and last
; segment: "word start end" lines, the yardstick's word format. Used by the tests
; (FestivalVoice) and eval/festival-voices.sh.
(define (parla-say voice text wav words)
  (eval (list voice))
  (set! utt (eval (list 'Utterance 'Text text)))
  (utt.synth utt)
  (utt.save.wave utt wav 'riff)
  (let ((fd (fopen words "w")))
    (mapcar (lambda (w)
      (format fd "%s %f %f\n" (downcase (item.name w))
        (item.feat w "R:SylStructure.daughter1.daughter1.segment_start")
        (item.feat w "R:SylStructure.daughtern.daughtern.segment_end")))
      (utt.relation.items utt 'Word))
    (fclose fd)))
