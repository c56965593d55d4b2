#!/usr/bin/env python3
"""Speaks a text with espeak-ng and writes the WAV and, beside it (WAV.words), the start of every
bilabial phone (m, b, p) in the word-alignment format the lip-sync yardstick reads: "phone start end"
per line, seconds. The times come from libespeak-ng's own phoneme events (sample positions), so
they are exact for the synthetic voice, in any language espeak-ng speaks.

usage: eval/espeak_bilabials.py VOICE "TEXT" OUT.wav      (e.g. VOICE de, es, fr)
"""
import ctypes, struct, sys, wave

EVENT_LIST_TERMINATED, EVENT_PHONEME = 0, 7
AUDIO_OUTPUT_SYNCHRONOUS, INITIALIZE_PHONEME_EVENTS = 2, 0x0001
BILABIALS = {'m', 'b', 'p', 'm:', 'b:', 'p:', 'pf'}


class Event(ctypes.Structure):  # espeak_EVENT (speak_lib.h)
    _fields_ = [('type', ctypes.c_int), ('unique_identifier', ctypes.c_uint), ('text_position', ctypes.c_int),
                ('length', ctypes.c_int), ('audio_position', ctypes.c_int), ('sample', ctypes.c_int),
                ('user_data', ctypes.c_void_p), ('id', ctypes.c_char * 8)]


def main():
    voice, text, out = sys.argv[1:4]
    lib = ctypes.CDLL('libespeak-ng.so.1')
    rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, None, INITIALIZE_PHONEME_EVENTS)
    if rate <= 0 or lib.espeak_SetVoiceByName(voice.encode()) != 0:
        sys.exit(f'espeak-ng could not start with voice {voice}')
    samples, phones = [], []

    def heard(wav, count, events):
        if wav and count > 0:
            samples.extend(wav[:count])
        i = 0
        while events[i].type != EVENT_LIST_TERMINATED:
            if events[i].type == EVENT_PHONEME:
                phones.append((events[i].sample, events[i].id.decode(errors='replace')))
            i += 1
        return 0

    callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(Event))(heard)
    lib.espeak_SetSynthCallback(callback)
    encoded = text.encode()
    lib.espeak_Synth(encoded, len(encoded) + 1, 0, 0, 0, 0, None, None)
    lib.espeak_Synchronize()
    with wave.open(out, 'wb') as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate)
        w.writeframes(struct.pack(f'<{len(samples)}h', *samples))
    onsets = [(s / rate, p) for s, p in phones if p in BILABIALS]
    with open(out + '.words', 'w') as f:
        for t, p in onsets:
            f.write(f'{p} {t:.3f} {t:.3f}\n')
    print(f'{out}: {len(samples) / rate:.1f} s, {len(phones)} phones, {len(onsets)} bilabial')


main()
