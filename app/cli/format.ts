import type { FileClassification } from '../analysis/classify.js';
import type { EvalResult } from '../analysis/evaluate.js';

/** Output shapes of the CLI. JSON field names are the issue's contract; keep them stable. */

export interface ClassifyJson {
  file: string;
  model: string;
  ep: string;
  /** r applied per layer (after clamping). */
  schedule: number[];
  windows: {
    start_s: number;
    end_s: number;
    top: { label: string; score: number }[];
    logits?: number[];
    tokens_per_layer: number[];
  }[];
  timings_ms: { decode: number; fbank: number; infer: number };
}

export interface EvalJson {
  model: string;
  rows: { r: number; accuracy: number; clips: number; clips_per_s: number }[];
}

export interface RunContext {
  model: string;
  ep: string;
  schedule: number[];
}

// Window bounds are whole 10 ms frames; rounding hides float noise like 7.680000000000001.
const secs = (s: number) => Math.round(s * 1000) / 1000;
const ms = (t: number) => Math.round(t * 100) / 100;

export function classifyJson(file: string, c: FileClassification, ctx: RunContext, withLogits: boolean): ClassifyJson {
  return {
    file,
    model: ctx.model,
    ep: ctx.ep,
    schedule: ctx.schedule,
    windows: c.windows.map((w) => ({
      start_s: secs(w.startS),
      end_s: secs(w.endS),
      top: w.top.map(({ label, score }) => ({ label, score })),
      ...(withLogits ? { logits: Array.from(w.logits) } : {}),
      tokens_per_layer: w.tokensPerLayer,
    })),
    timings_ms: { decode: ms(c.timingsMs.decode), fbank: ms(c.timingsMs.fbank), infer: ms(c.timingsMs.infer) },
  };
}

export function describeSchedule(schedule: number[]): string {
  return schedule.every((r) => r === schedule[0]) ? `r ${schedule[0]} in each of ${schedule.length} layers` : `r per layer ${schedule.join(',')}`;
}

export function classifyTable(file: string, c: FileClassification, ctx: RunContext, withLogits: boolean): string {
  const n = c.windows.length;
  const lines = [`${file}  (${c.durationS.toFixed(2)} s, ${n} window${n === 1 ? '' : 's'})  ${ctx.model} on ${ctx.ep}, ${describeSchedule(ctx.schedule)}`];
  for (const w of c.windows) {
    const span = `${w.startS.toFixed(2)}–${w.endS.toFixed(2)} s`.padEnd(18);
    const top = w.top.map((t) => `${t.label} ${t.score.toFixed(3)}`).join('  ');
    const tokens = `${w.tokensPerLayer[0]}→${w.tokensPerLayer[w.tokensPerLayer.length - 1]} tokens`;
    lines.push(`  ${span}${top}   (${tokens})`);
    if (withLogits) lines.push(`  ${''.padEnd(18)}logits ${Array.from(w.logits, (v) => v.toFixed(3)).join(' ')}`);
  }
  const t = c.timingsMs;
  lines.push(`  decode ${t.decode.toFixed(1)} ms · fbank ${t.fbank.toFixed(1)} ms · infer ${t.infer.toFixed(1)} ms`);
  return lines.join('\n') + '\n';
}

export function evalJson(model: string, res: EvalResult): EvalJson {
  return {
    model,
    rows: res.rows.map((r) => ({ r: r.r, accuracy: r.accuracy, clips: r.clips, clips_per_s: Math.round(r.clipsPerS * 100) / 100 })),
  };
}

export function evalTable(model: string, ep: string, what: string, res: EvalResult): string {
  const lines = [
    `${model} on ${ep} · ${what} · features ${(res.featuresMs / 1000).toFixed(1)} s (once for all r)`,
    '     r   accuracy   correct   clips/s',
    ...res.rows.map(
      (r) =>
        `${String(r.r).padStart(6)}   ${(r.accuracy * 100).toFixed(2).padStart(6)} %   ${`${r.correct}/${r.clips}`.padStart(7)}   ${r.clipsPerS.toFixed(1).padStart(7)}`,
    ),
  ];
  return lines.join('\n') + '\n';
}
