// Hearing what an app plays: a private PulseAudio null sink per app (`PULSE_SINK` for its
// process), recorded from the sink's monitor with `parec`, cut into 50 ms blocks whose energy
// share at a few frequencies (Goertzel) tells which sound is playing when.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

const RATE = 16000;
const BLOCK = 800; // 50 ms; the 20 Hz bins hold 440, 660 and 880 Hz exactly
/** The ringtone's two notes (devices_check.rs: 660 Hz then 880 Hz, every ~2 s). */
export const CHIME_HZ = [660, 880];
/** The synthetic tone microphone (a call's audio). */
export const TONE_HZ = 440;

/** Share of the block's energy at `hz` (0..1). */
function share(samples, hz) {
  const w = (2 * Math.PI * hz) / RATE;
  const coeff = 2 * Math.cos(w);
  let s1 = 0, s2 = 0, energy = 0;
  for (const x of samples) {
    const s0 = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
    energy += x * x;
  }
  if (energy < 1e-9) return 0;
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return (2 * power) / (samples.length * energy);
}

/** A new null sink for one app; `env` goes to that app's process. */
export function privateSink(label) {
  const name = `peercall_${label}_${process.pid}`;
  const module = execFileSync("pactl", ["load-module", "module-null-sink", `sink_name=${name}`]).toString().trim();
  return {
    name,
    env: { PULSE_SINK: name },
    unload() {
      try {
        execFileSync("pactl", ["unload-module", module]);
      } catch {
        // PulseAudio already gone
      }
    },
  };
}

/** Records `sink`'s monitor from now until `stop()`. */
export class Recorder {
  /** `saveAs`: a name; on `stop()` the recording is written to `artifacts/<saveAs>.wav`. */
  constructor(sink, saveAs = null) {
    this.blocks = []; // {t: ms when heard, rms, chime: bool, tone: bool}
    this.pending = [];
    this.saveAs = saveAs;
    this.raw = []; // the recording's chunks (s16le, mono, RATE), kept only when saved
    this.process = spawn("parec", ["-d", `${sink}.monitor`, "--raw", "--format=s16le", `--rate=${RATE}`, "--channels=1", "--latency-msec=20"], { stdio: ["ignore", "pipe", "inherit"] });
    this.process.stdout.on("data", (chunk) => this.#take(chunk));
  }

  #take(chunk) {
    const t = Date.now();
    if (this.saveAs) this.raw.push(chunk);
    for (let i = 0; i + 1 < chunk.length; i += 2) this.pending.push(chunk.readInt16LE(i) / 32768);
    while (this.pending.length >= BLOCK) {
      const samples = this.pending.splice(0, BLOCK);
      const rms = Math.sqrt(samples.reduce((a, x) => a + x * x, 0) / BLOCK);
      const loud = rms > 0.01;
      this.blocks.push({
        t,
        rms,
        chime: loud && CHIME_HZ.some((hz) => share(samples, hz) > 0.5),
        notes: CHIME_HZ.filter((hz) => loud && share(samples, hz) > 0.5),
        tone: loud && share(samples, TONE_HZ) > 0.5,
      });
    }
  }

  /** Waits until sound heard after `since` satisfies `test(blocks)`. */
  async until(since, test, timeoutMs, what) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (test(this.blocks.filter((b) => b.t >= since))) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${what}: not heard within ${timeoutMs} ms (${this.describe(since)})`);
  }

  /** Waits until both chime notes were heard after `since`. */
  hearsChime(since, timeoutMs = 8000) {
    const both = (blocks) => CHIME_HZ.every((hz) => blocks.some((b) => b.notes.includes(hz)));
    return this.until(since, both, timeoutMs, "the ringtone (660 + 880 Hz)");
  }

  /** Waits until the call's 440 Hz tone was heard after `since`. */
  hearsTone(since, timeoutMs = 10000) {
    return this.until(since, (blocks) => blocks.some((b) => b.tone), timeoutMs, "the call's 440 Hz tone");
  }

  /** The chime blocks heard in [from, from + ms), once the recording covers that span. */
  async chimesBetween(from, ms) {
    await this.until(from + ms, (blocks) => blocks.length > 0, ms + 10000, "the recording");
    return this.blocks.filter((b) => b.t >= from && b.t < from + ms && b.chime);
  }

  /**
   * The silences in the call's tone over [from, from + ms), once the recording covers it:
   * runs of consecutive 50 ms blocks without the tone, as {at: ms after `from`, ms}.
   */
  async toneGaps(from, ms) {
    await this.until(from + ms, (blocks) => blocks.length > 0, ms + 10000, "the recording");
    const heard = this.blocks.filter((b) => b.t >= from && b.t < from + ms);
    const gaps = [];
    let run = 0;
    heard.forEach((b, i) => {
      if (!b.tone) run++;
      if (run > 0 && (b.tone || i === heard.length - 1)) {
        const first = heard[i - run + (b.tone ? 0 : 1)];
        gaps.push({ at: first.t - from, ms: run * (BLOCK / RATE) * 1000 });
        run = 0;
      }
    });
    return { blocks: heard.length, gaps };
  }

  describe(since) {
    const heard = this.blocks.filter((b) => b.t >= since);
    const loud = heard.filter((b) => b.rms > 0.01).length;
    return `${heard.length} blocks, ${loud} loud, ${heard.filter((b) => b.chime).length} chime, ${heard.filter((b) => b.tone).length} tone`;
  }

  stop() {
    this.process.kill();
    const dir = process.env.PEERCALL_ARTIFACTS ?? path.resolve("artifacts");
    if (this.saveAs && this.raw.length) writeWav(path.join(dir, `${this.saveAs}.wav`), Buffer.concat(this.raw));
  }
}

/** Writes s16le mono samples at RATE as a WAV file (to listen to what a test heard). */
function writeWav(file, pcm) {
  const header = Buffer.alloc(44);
  header.write("RIFF", 0);
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write("WAVEfmt ", 8);
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(RATE, 24);
  header.writeUInt32LE(RATE * 2, 28); // bytes per second
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write("data", 36);
  header.writeUInt32LE(pcm.length, 40);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, Buffer.concat([header, pcm]));
}
