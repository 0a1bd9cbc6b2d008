import type { FileClassification } from '../analysis/classify.js';
import type { SweepResult, SweepRow } from '../analysis/sweep.js';

/** Output shapes of the CLI. JSON field names are the contract; keep them stable. */

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

/**
 * `eval --json`: one object per model. `model` and `rows[].{r, accuracy, clips, clips_per_s}`
 * are the original contract; everything else was added with sweeps (schedule shapes,
 * proportional attention on/off, several models, mAP, agreement, timing, FLOPs).
 */
export interface EvalJson {
  model: string;
  model_sha256: string;
  ep: string;
  set: string;
  clips: number;
  multi_label: boolean;
  rows: EvalJsonRow[];
}

export interface EvalJsonRow {
  r: number;
  /** Share of clips whose top-1 class is (one of) their label(s), 0…1. */
  accuracy: number;
  clips: number;
  /** Inference only; null when no timing is known (cannot happen after a sweep that ran). */
  clips_per_s: number | null;
  shape: string;
  prop_attn: boolean;
  protect_distillation: boolean;
  /** float32 or int8: the Linear weights this row ran with (agreement and speed-up are against float32 r = 0 either way). */
  weights: string;
  /** r applied per layer. */
  schedule: number[];
  metric: 'accuracy' | 'mAP';
  /** The value of `metric`. */
  score: number | null;
  map: number | null;
  correct: number;
  agreement: number;
  ms_per_clip: number | null;
  ms_per_window: number | null;
  batch_size: number | null;
  /** The timing was measured by an earlier run whose results came from --cache. */
  timing_from_cache: boolean;
  tokens_after_last: number;
  gflops: number;
  flops_ratio: number;
  computed_clips: number;
  per_class: { label: string; clips: number; correct: number; accuracy: number; ap: number | null }[];
  changed: {
    file: string;
    label: string;
    baseline: { label: string; score: number };
    merged: { label: string; score: number };
    baseline_score_of_merged: number;
    merged_score_of_baseline: number;
    effect: 'fixed' | 'broken' | 'changed';
  }[];
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

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
const finite = (x: number, d: number) => (Number.isFinite(x) ? round(x, d) : null);

function evalJsonRow(row: SweepRow): EvalJsonRow {
  const t = row.timing;
  return {
    r: row.setting.r,
    accuracy: row.accuracy,
    clips: row.clips,
    clips_per_s: t ? round(t.clipsPerS, 2) : null,
    shape: row.setting.shape,
    prop_attn: row.setting.propAttn,
    protect_distillation: row.setting.protectDistillation,
    weights: row.setting.weights ?? 'float32',
    schedule: row.schedule,
    metric: row.metric,
    score: finite(row.score, 6),
    map: finite(row.map, 6),
    correct: row.correct,
    agreement: row.agreement,
    ms_per_clip: t ? round(t.msPerClip, 2) : null,
    ms_per_window: t ? round(t.msPerWindow, 2) : null,
    batch_size: t ? t.batchSize : null,
    timing_from_cache: t?.fromCache ?? false,
    tokens_after_last: row.tokensAfterLast,
    gflops: round(row.flops / 1e9, 3),
    flops_ratio: round(row.flopsRatio, 3),
    computed_clips: row.computedClips,
    per_class: row.perClass.map((c) => ({ label: c.label, clips: c.clips, correct: c.correct, accuracy: c.accuracy, ap: finite(c.ap, 6) })),
    changed: row.changed.map((c) => ({
      file: c.path,
      label: c.label,
      baseline: { label: c.baseline.label, score: c.baseline.score },
      merged: { label: c.merged.label, score: c.merged.score },
      baseline_score_of_merged: c.baselineScoreOfMerged,
      merged_score_of_baseline: c.mergedScoreOfBaseline,
      effect: c.effect,
    })),
  };
}

/** One `eval --json` object per model, in the order the models were given. */
export function evalJson(res: SweepResult): EvalJson[] {
  return res.models.map((m) => ({
    model: m.id,
    model_sha256: m.sha256,
    ep: m.ep,
    set: res.set.source,
    clips: res.set.clips,
    multi_label: res.set.multiLabel,
    rows: res.rows.filter((r) => r.model === m.id).map(evalJsonRow),
  }));
}

/** `--out FILE.json`: the set and every model's object. */
export function evalJsonFile(res: SweepResult): string {
  return JSON.stringify({ set: { source: res.set.source, kind: res.set.kind, clips: res.set.clips, multi_label: res.set.multiLabel }, models: evalJson(res) }, null, 1) + '\n';
}

export const EVAL_CSV_COLUMNS = [
  'model', 'model_sha256', 'ep', 'shape', 'r', 'prop_attn', 'protect_distillation', 'weights', 'schedule', 'metric', 'score', 'accuracy', 'correct', 'clips', 'map',
  'agreement', 'changed', 'clips_per_s', 'ms_per_clip', 'ms_per_window', 'batch_size', 'tokens_after_last', 'gflops', 'flops_ratio',
] as const;

function csvField(v: string | number | boolean | null): string {
  const text = v === null ? '' : String(v);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** `--out FILE.csv`: the trade-off table, one row per model × setting (schedule as r per layer, space-separated). */
export function evalCsv(res: SweepResult): string {
  const lines = [EVAL_CSV_COLUMNS.join(',')];
  for (const row of res.rows) {
    const j = evalJsonRow(row);
    const cells: Record<(typeof EVAL_CSV_COLUMNS)[number], string | number | boolean | null> = {
      model: row.model,
      model_sha256: row.modelSha256,
      ep: row.ep,
      shape: j.shape,
      r: j.r,
      prop_attn: j.prop_attn,
      protect_distillation: j.protect_distillation,
      weights: j.weights,
      schedule: j.schedule.join(' '),
      metric: j.metric,
      score: j.score,
      accuracy: j.accuracy,
      correct: j.correct,
      clips: j.clips,
      map: j.map,
      agreement: j.agreement,
      changed: row.changed.length,
      clips_per_s: j.clips_per_s,
      ms_per_clip: j.ms_per_clip,
      ms_per_window: j.ms_per_window,
      batch_size: j.batch_size,
      tokens_after_last: j.tokens_after_last,
      gflops: j.gflops,
      flops_ratio: j.flops_ratio,
    };
    lines.push(EVAL_CSV_COLUMNS.map((c) => csvField(cells[c])).join(','));
  }
  return lines.join('\n') + '\n';
}

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(2)} %` : 'n/a');

/** The human table: per model a title line, then one line per setting. */
export function evalTable(res: SweepResult, what: string): string {
  const lines: string[] = [];
  for (const m of res.models) {
    const rows = res.rows.filter((r) => r.model === m.id);
    const metric = rows[0]?.metric ?? 'accuracy';
    const int8 = rows.some((r) => r.setting.weights === 'int8') ? ' · int8 weights, agreement with float32 r = 0' : '';
    lines.push(`${m.id} on ${m.ep}${int8} · ${what}`);
    lines.push(
      `  shape          r  prop.attn  ${metric.padStart(8)}  correct  agreement  changed  clips/s  ms/clip  tokens  GFLOPs`,
    );
    for (const r of rows) {
      const t = r.timing;
      lines.push(
        [
          `  ${r.setting.shape.padEnd(10)}`,
          String(r.setting.r).padStart(4),
          (r.setting.propAttn ? 'on' : 'off').padStart(9),
          pct(r.score).padStart(9),
          `${r.correct}/${r.clips}`.padStart(8),
          `${(r.agreement * 100).toFixed(1)} %`.padStart(10),
          String(r.changed.length).padStart(8),
          (t ? t.clipsPerS.toFixed(1) : 'n/a').padStart(8),
          (t ? t.msPerClip.toFixed(1) : 'n/a').padStart(8),
          String(r.tokensAfterLast).padStart(7),
          (r.flops / 1e9).toFixed(2).padStart(7),
        ].join(' '),
      );
    }
  }
  lines.push(
    `(model × setting × clip) results: ${res.computed} computed, ${res.cached} from cache · features ${(res.featuresMs / 1000).toFixed(1)} s (once per clip, shared by every setting) · clips/s and ms/clip: inference only, median after a warm-up`,
  );
  return lines.join('\n') + '\n';
}
