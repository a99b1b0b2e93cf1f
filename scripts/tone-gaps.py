#!/usr/bin/env python3
"""Gaps in a call's 440 Hz test tone in a recording of the speaker (a WAV the GUI tests write
to artifacts/, e.g. call-audio-bob-speaker.wav): 20 ms blocks from the first to the last block
where the tone is heard; a block is a gap when it is quiet or another sound dominates.

    python3 scripts/tone-gaps.py artifacts/call-audio-bob-speaker.wav
"""
import math
import struct
import sys
import wave

TONE_HZ = 440


def share(block, hz, rate):
    """Share of the block's energy at `hz` (Goertzel)."""
    coeff = 2 * math.cos(2 * math.pi * hz / rate)
    s1 = s2 = 0.0
    for v in block:
        s1, s2 = v + coeff * s1 - s2, s1
    energy = sum(v * v for v in block)
    return 0.0 if energy == 0 else 2 * (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (len(block) * energy)


def main(path):
    w = wave.open(path)
    rate, n = w.getframerate(), w.getnframes()
    samples = struct.unpack("<%dh" % n, w.readframes(n))
    step = rate // 50
    heard = []
    for i in range(0, n - step, step):
        block = samples[i:i + step]
        rms = math.sqrt(sum(v * v for v in block) / len(block)) / 32768
        heard.append(rms >= 0.01 and share(block, TONE_HZ, rate) > 0.5)
    if True not in heard:
        print(f"{path}: the tone is never heard")
        return 1
    first, last = heard.index(True), len(heard) - 1 - heard[::-1].index(True)
    span = heard[first:last + 1]
    gaps, run = [], 0
    for tone in span:
        if not tone:
            run += 1
        elif run:
            gaps.append(run * 20)
            run = 0
    missing = sum(gaps)
    print(f"{path}: tone over {len(span) * 0.02:.1f} s, gaps >= 60 ms: {sum(g >= 60 for g in gaps)}, "
          f"all gaps: {len(gaps)}, missing {missing} ms ({100 * missing / (len(span) * 20):.1f} %), "
          f"longest {max(gaps, default=0)} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
