/**
 * The lab (issue 5): which view is on screen, the sweep form, the running sweep with its
 * progress, the result, the selected row and the exports. Side effects go through the API
 * client; opening a changed clip in the workstation is an action (actions.openInWorkstation).
 */
import { create } from 'zustand';
import {
  LAB_WEIGHTS,
  SCHEDULE_SHAPES,
  type EventData,
  type LabExportFormat,
  type LabResult,
  type LabRow,
  type MergeParams,
  type ModelInfo,
  type ScheduleShapeName,
} from '../../../app/contract';
import { api, isCancelled } from '../api/client';
import { folderOf } from '../lib/format';
import { loadJson, loadText, saveJson, saveText } from '../lib/storage';

export type View = 'workstation' | 'lab' | 'models' | 'folder';
export type PropAttnChoice = 'on' | 'off' | 'both';
/** The sweep's weights axis (LabSweepParams.weights). */
export type WeightsChoice = (typeof LAB_WEIGHTS)[number];

export interface LabForm {
  /** CSV or folder on the host. */
  set: string;
  /** '' = every fold. */
  fold: string;
  /** '' = every clip. */
  maxClips: string;
  /** null = the bundled models (the default until the user picks). */
  models: string[] | null;
  rs: string;
  shapes: ScheduleShapeName[];
  propAttn: PropAttnChoice;
  weights: WeightsChoice;
}

export type LabProgress = EventData<'lab.progress'>;

interface LabState {
  view: View;
  form: LabForm;
  defaultSet: string | null;
  cacheDir: string | null;
  /** The sweep under way; `elapsedMs`: from its start to its latest progress event (the form's estimate of the time left). */
  running: { sweepId: string; startedAt: number; progress: LabProgress | null; elapsedMs: number } | null;
  result: LabResult | null;
  /** Index into result.rows. */
  selected: number | null;
  /** Row under the mouse on the chart or in the table (index into result.rows). */
  hover: number | null;
  error: string | null;
  exportDir: string;
  exporting: boolean;
  exportNote: { ok: boolean; text: string } | null;
  setView(v: View): void;
  setForm(p: Partial<LabForm>): void;
  loadDefaults(): Promise<void>;
  /** Sweeps the form over `allModels` (the host's list), with the workstation's distillation choice. */
  run(allModels: readonly ModelInfo[], protectDistillation: boolean): Promise<void>;
  cancel(): void;
  select(i: number | null): void;
  setHover(i: number | null): void;
  setExportDir(dir: string): void;
  exportAs(format: LabExportFormat, chart?: { svg?: string; png?: Uint8Array }): Promise<void>;
}

export const DEFAULT_RS = '0, 16, 32, 48';

/** The form as saved last time; any field that is missing or malformed takes its default. */
function loadForm(): LabForm {
  const base: LabForm = { set: '', fold: '', maxClips: '', models: null, rs: DEFAULT_RS, shapes: ['constant'], propAttn: 'on', weights: 'float32' };
  const v = loadJson('labForm');
  if (!v || typeof v !== 'object') return base;
  const o = v as Record<string, unknown>;
  const text = (x: unknown, d: string) => (typeof x === 'string' ? x : d);
  const strings = (x: unknown): x is string[] => Array.isArray(x) && x.every((m) => typeof m === 'string');
  const isShape = (x: unknown): x is ScheduleShapeName => (SCHEDULE_SHAPES as readonly unknown[]).includes(x);
  const isPropAttn = (x: unknown): x is PropAttnChoice => x === 'on' || x === 'off' || x === 'both';
  return {
    set: text(o.set, base.set),
    fold: text(o.fold, base.fold),
    maxClips: text(o.maxClips, base.maxClips),
    models: strings(o.models) ? o.models : null,
    rs: text(o.rs, base.rs),
    shapes: Array.isArray(o.shapes) && o.shapes.length && o.shapes.every(isShape) ? o.shapes : base.shapes,
    propAttn: isPropAttn(o.propAttn) ? o.propAttn : base.propAttn,
    weights: (LAB_WEIGHTS as readonly unknown[]).includes(o.weights) ? (o.weights as WeightsChoice) : base.weights,
  };
}

/** "0, 16 32" → [0, 16, 32]; a message for anything else. Repeats are dropped, order kept. */
export function parseRs(text: string): number[] | string {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  if (parts.length === 0) return 'give at least one r (e.g. 0, 16, 48)';
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d+$/.test(p)) return `"${p}" is not a whole number ≥ 0`;
    const r = Number(p);
    if (r > 100_000) return `r ${p} is too large`;
    if (!out.includes(r)) out.push(r);
  }
  if (out.length > 64) return 'at most 64 r values';
  return out;
}

function optionalInt(text: string, what: string, min: number): number | undefined | string {
  const t = text.trim();
  if (!t) return undefined;
  if (!/^\d+$/.test(t) || Number(t) < min) return `${what} must be a whole number ≥ ${min}`;
  return Number(t);
}

/** The models a form sweeps, out of the host's `all`: the user's pick, or every bundled model. */
export function formModels(form: LabForm, all: readonly ModelInfo[]): string[] {
  // In the host's order whatever the order of the clicks: colours and rows stay put.
  return all.filter((m) => (form.models ? form.models.includes(m.id) : m.bundled)).map((m) => m.id);
}

let runCtl: AbortController | null = null;
let listening = false;

export const useLab = create<LabState>((set, get) => ({
  view: 'workstation',
  form: loadForm(),
  defaultSet: null,
  cacheDir: null,
  running: null,
  result: null,
  selected: null,
  hover: null,
  error: null,
  exportDir: loadText('labExportDir') ?? '',
  exporting: false,
  exportNote: null,

  setView(view) {
    set({ view });
    if (view === 'lab' && get().cacheDir === null) void get().loadDefaults();
  },

  setForm(p) {
    const form = { ...get().form, ...p };
    set({ form, error: null });
    saveJson('labForm', form);
  },

  async loadDefaults() {
    try {
      const d = await api().call('lab.defaults', {});
      set({ defaultSet: d.defaultSet, cacheDir: d.cacheDir });
      if (!get().form.set && d.defaultSet) set({ form: { ...get().form, set: d.defaultSet } });
      // No folder used yet: the labelled set's own folder (beside the data), else the host's default.
      const setPath = get().form.set || d.defaultSet;
      if (!get().exportDir) set({ exportDir: setPath ? folderOf(setPath) : d.exportDir });
    } catch (e) {
      if (!isCancelled(e)) set({ error: `lab defaults: ${(e as Error).message}` });
    }
  },

  async run(allModels, protectDistillation) {
    if (get().running) return;
    const { form } = get();
    const rs = parseRs(form.rs);
    if (typeof rs === 'string') return set({ error: rs });
    const fold = optionalInt(form.fold, 'fold', 0);
    if (typeof fold === 'string') return set({ error: fold });
    const maxClips = optionalInt(form.maxClips, 'max clips', 1);
    if (typeof maxClips === 'string') return set({ error: maxClips });
    const models = formModels(form, allModels);
    if (models.length === 0) return set({ error: 'pick at least one model' });
    if (form.shapes.length === 0) return set({ error: 'pick at least one schedule shape' });
    if (!form.set.trim()) return set({ error: 'give a labelled set: a CSV file or a folder with one sub-folder per class' });
    if (!listening) {
      listening = true;
      api().on('lab.progress', (p) => {
        const r = get().running;
        if (r && r.sweepId === p.sweepId) set({ running: { ...r, progress: p, elapsedMs: performance.now() - r.startedAt } });
      });
    }
    const sweepId = `s${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const ctl = (runCtl = new AbortController());
    set({ running: { sweepId, startedAt: performance.now(), progress: null, elapsedMs: 0 }, error: null, exportNote: null });
    try {
      const result = await api().call(
        'lab.sweep',
        {
          sweepId,
          set: form.set.trim(),
          ...(fold !== undefined ? { fold } : {}),
          ...(maxClips !== undefined ? { maxClips } : {}),
          models,
          rs,
          shapes: form.shapes,
          propAttn: form.propAttn,
          protectDistillation,
          weights: form.weights,
        },
        { signal: ctl.signal },
      );
      // Keep the selection on the same model × setting when the sweep is a re-run.
      const prev = get().result && get().selected !== null ? get().result!.rows[get().selected!] : null;
      const keep = prev ? result.rows.findIndex((r) => r.model === prev.model && sameSetting(r, prev)) : -1;
      const firstChanged = result.rows.findIndex((r) => r.changed.length > 0);
      set({ result, selected: keep >= 0 ? keep : firstChanged >= 0 ? firstChanged : 0, hover: null });
    } catch (e) {
      if (!isCancelled(e)) set({ error: (e as Error).message });
    } finally {
      if (runCtl === ctl) {
        runCtl = null;
        set({ running: null });
      }
    }
  },

  cancel() {
    runCtl?.abort();
  },

  select: (selected) => set({ selected }),
  setHover: (hover) => set({ hover }),

  setExportDir(exportDir) {
    set({ exportDir });
    saveText('labExportDir', exportDir);
  },

  async exportAs(format, chart) {
    const { result, exportDir } = get();
    if (!result) return;
    const dir = exportDir.trim().replace(/[\\/]+$/, '');
    if (!dir) return set({ exportNote: { ok: false, text: 'give a folder on the host to write into' } });
    const sep = dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
    const stem = result.set.source.split(/[\\/]/).filter(Boolean).pop()?.replace(/\.[^.]*$/, '') ?? 'set';
    const name = `fastast-lab-${stem}${format === 'csv' || format === 'json' ? '' : '-chart'}.${format}`;
    set({ exporting: true, exportNote: null });
    try {
      const res = await api().call('lab.export', {
        format,
        path: `${dir}${sep}${name}`,
        ...(format === 'csv' || format === 'json' ? { sweepId: result.sweepId } : {}),
        ...(chart?.svg !== undefined ? { svg: chart.svg } : {}),
        ...(chart?.png !== undefined ? { png: chart.png } : {}),
      });
      set({ exportNote: { ok: true, text: `wrote ${res.path} (${(res.bytes / 1024).toFixed(1)} kB)` } });
      // The folder that worked is the next default, typed or not.
      saveText('labExportDir', dir);
    } catch (e) {
      set({ exportNote: { ok: false, text: (e as Error).message } });
    } finally {
      set({ exporting: false });
    }
  },
}));

/** The same merge setting at the same weights (absent weights = float32). */
export function sameParams(a: MergeParams, b: MergeParams): boolean {
  return a.r === b.r && a.shape === b.shape && a.propAttn === b.propAttn && a.protectDistillation === b.protectDistillation && (a.weights ?? 'float32') === (b.weights ?? 'float32');
}

export function sameSetting(a: Pick<LabRow, 'setting'>, b: Pick<LabRow, 'setting'>): boolean {
  return sameParams(a.setting, b.setting);
}

/** The row of the result that is the workstation's current model and merge setting (weights included), or -1. */
export function currentRowIndex(result: LabResult | null, model: string | undefined, p: MergeParams): number {
  if (!result) return -1;
  return result.rows.findIndex((r) => r.model === model && sameParams(r.setting, p));
}
