import { create } from 'zustand';
import { DEFAULT_MERGE, type ComparisonView, type MergeParams, type RunView, type ScheduleTable, type SpeedView, type WindowInput } from '../../../app/contract';
import { FRAMES_PER_SECOND } from '../../../app/common/units';
import { api, isCancelled } from '../api/client';
import { loadText, saveText } from '../lib/storage';
import { useFile } from './file';
import { useModels } from './models';
import { useUi } from './ui';

interface MergeState {
  params: MergeParams;
  table: ScheduleTable | null;
  /** Start of the focused model window, seconds. */
  focusS: number;
  window: WindowInput | null;
  baseline: RunView | null;
  merged: RunView | null;
  comparison: ComparisonView | null;
  /**
   * The Speed panel's paired timing of the current setting against r = 0 (the host times
   * interleaved pairs; see main/host/run-timings.ts). Polled through window.speed while the host
   * says "measuring"; null until the first merged run answers.
   */
  speed: SpeedView | null;
  /**
   * 0 = model input, l = after layer l. LAST_LAYER (the default) follows the model's last layer,
   * so the r slider's effect shows at once; the choice is kept across reloads (lib/storage.ts).
   */
  layer: number;
  /** Opacity of the group tints drawn over the model input (0 = outlines only, 1 = opaque). */
  tint: number;
  /** Shade patches by how clear-cut their merge was. */
  shading: boolean;
  running: boolean;
  /**
   * The int8 engine's first build for the active model ("int8: building graph 40 %"), told by the
   * window.merge that waits for it; null when no build is under way (later starts open the cached graph).
   */
  weightsLoad: { done: number; message: string } | null;
  /** Settings change → comparison on screen, for the last change (ms). */
  latencyMs: number | null;
  /** Bumps on every comparison update (tests and the latency bench watch it). */
  revision: number;
  error: string | null;
  /**
   * The one way the merge settings change. r is clamped to what the active model allows and a
   * new shape or distillation choice reloads the schedule table. An `edit` (the controls) also
   * re-runs the focused window and saves the settings on the host; `apply: 'restore'` (the host's
   * saved settings, a model switch) only sets them, and `apply: 'save'` (a lab row) sets and saves
   * without a run (the caller opens a file, which runs).
   */
  setParams(p: Partial<MergeParams>, apply?: 'edit' | 'save' | 'restore'): void;
  setRatio(ratio: number): void;
  focus(startS: number): void;
  setLayer(layer: number): void;
  setShading(on: boolean): void;
  setTint(tint: number): void;
  clear(): void;
  loadTable(): Promise<void>;
}

/** A burst of slider events runs once at its start (leading edge) and once after it settles. */
const DEBOUNCE_MS = 60;
let runCtl: AbortController | null = null;
let lastScheduled = 0;
let baseCtl: AbortController | null = null;
let timer: ReturnType<typeof setTimeout> | null = null;
let saveTimer: ReturnType<typeof setTimeout> | null = null;
let changedAt = 0;
/** The window.speed poll while the host is still timing pairs of the current setting. */
let speedTimer: ReturnType<typeof setTimeout> | null = null;
/** Ask again this often while measuring: a pair of tiny-model runs takes ~0.1–0.5 s. */
const SPEED_POLL_MS = 500;
/** Once ready, polling stops after this long without a new pair (the host's first pairs are done). */
const SPEED_SETTLE_MS = 2500;

/** The layer value meaning "the last layer, whatever the model": larger than any model's depth. */
export const LAST_LAYER = 1_000_000;

function loadLayer(): number {
  const v = loadText('mergeLayer');
  const n = v === null || v === 'last' ? LAST_LAYER : Number(v);
  return Number.isInteger(n) && n >= 0 ? n : LAST_LAYER;
}

function loadTint(): number {
  const v = Number(loadText('mergeTint') ?? NaN);
  return Number.isFinite(v) && v >= 0 && v <= 1 ? v : 0.45;
}

/** The layer the merge view shows for a model with `L` layers. */
export function shownLayer(layer: number, L: number): number {
  return Math.max(0, Math.min(layer, L));
}

export function maxRFor(protect: boolean): number {
  const m = useModels.getState().active;
  if (!m) return 0;
  return protect ? m.maxR.protect : m.maxR.noProtect;
}

/** r as a whole number the active model can take; left as it is while no model is loaded (bootstrap clamps once it is). */
function clampR(r: number, protect: boolean): number {
  const whole = Math.max(0, Math.round(r));
  return useModels.getState().active ? Math.min(whole, maxRFor(protect)) : whole;
}

export const useMerge = create<MergeState>((set, get) => {
  /** Re-runs the focused window with the current settings; the previous run is cancelled. */
  const scheduleRun = (immediate = false) => {
    if (timer) clearTimeout(timer);
    const now = performance.now();
    const idle = now - lastScheduled > DEBOUNCE_MS && !get().running;
    lastScheduled = now;
    if (immediate || idle) {
      timer = null;
      void runNow();
    } else timer = setTimeout(runNow, DEBOUNCE_MS);
  };

  const runNow = async () => {
    const file = useFile.getState().file;
    if (!file || !useModels.getState().engine) return;
    runCtl?.abort();
    const ctl = (runCtl = new AbortController());
    const { params, focusS } = get();
    set({ running: true });
    try {
      // A first int8 run builds the model's int8 graph: the host tells its progress as for a model load.
      const onProgress = (p: { phase: string; done: number; message?: string }) => {
        if (p.phase === 'model' && ctl === runCtl) set({ weightsLoad: { done: p.done, message: p.message ?? '' } });
      };
      const res = await api().call('window.merge', { fileId: file.fileId, startS: focusS, merge: params }, { signal: ctl.signal, onProgress });
      if (ctl !== runCtl) return;
      const latencyMs = changedAt ? performance.now() - changedAt : null;
      changedAt = 0;
      set({
        merged: res.run,
        baseline: res.baseline,
        comparison: res.comparison,
        speed: res.speed,
        running: false,
        weightsLoad: null,
        error: null,
        latencyMs,
        revision: get().revision + 1,
      });
      pollSpeed(params);
    } catch (e) {
      if (isCancelled(e)) return;
      if (ctl === runCtl) set({ running: false, weightsLoad: null, error: (e as Error).message });
    }
  };

  /**
   * While the host is measuring the setting's pairs, asks window.speed every SPEED_POLL_MS until
   * the ratio is ready, and after that until no new pair has come for SPEED_SETTLE_MS: the host
   * times a few pairs beyond the 3 that make it ready, and the median of 5 shrugs off an outlier
   * pair that the median of 3 may not. A poll that answers after the settings moved on is
   * dropped, so the panel never shows one setting's ratio under another's.
   */
  const pollSpeed = (params: MergeParams, lastPairs = -1, quietSince = performance.now()) => {
    if (speedTimer) clearTimeout(speedTimer);
    speedTimer = null;
    const speed = get().speed;
    if (!speed) return;
    const now = performance.now();
    if (speed.pairs !== lastPairs) quietSince = now;
    if (speed.state !== 'measuring' && now - quietSince >= SPEED_SETTLE_MS) return;
    speedTimer = setTimeout(() => {
      speedTimer = null;
      void api()
        .call('window.speed', { merge: params })
        .then((next) => {
          if (get().params !== params) return;
          set({ speed: next });
          pollSpeed(params, speed.pairs, quietSince);
        })
        .catch((e) => {
          if (!isCancelled(e)) console.warn('window.speed', e);
        });
    }, SPEED_POLL_MS);
  };

  const save = () => {
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = setTimeout(() => void api().call('settings.save', { lastMerge: get().params }).catch(() => {}), 500);
  };

  return {
    params: DEFAULT_MERGE,
    table: null,
    focusS: 0,
    window: null,
    baseline: null,
    merged: null,
    comparison: null,
    speed: null,
    layer: loadLayer(),
    tint: loadTint(),
    shading: false,
    running: false,
    weightsLoad: null,
    latencyMs: null,
    revision: 0,
    error: null,
    setParams(p, apply = 'edit') {
      const prev = get().params;
      const next = { ...prev, ...p };
      next.r = clampR(next.r, next.protectDistillation);
      if (JSON.stringify(next) === JSON.stringify(prev)) return;
      // The old setting's ratio must not stand beside the new one's results.
      if (speedTimer) clearTimeout(speedTimer);
      speedTimer = null;
      set({ params: next, speed: null, ...(next.weights !== prev.weights ? { weightsLoad: null } : {}) });
      // Restoring happens before the model is loaded, or is followed by the caller's own table load.
      if (apply !== 'restore' && (next.shape !== prev.shape || next.protectDistillation !== prev.protectDistillation)) void get().loadTable();
      if (apply !== 'restore') save();
      if (apply === 'edit') {
        changedAt = performance.now();
        scheduleRun();
      }
    },
    setRatio(ratio) {
      const t = get().table;
      if (!t) return;
      let best = 0;
      for (let r = 0; r < t.ratios.length; r++) if (Math.abs(t.ratios[r] - ratio) < Math.abs(t.ratios[best] - ratio)) best = r;
      get().setParams({ r: best });
    },
    focus(startS) {
      const file = useFile.getState().file;
      if (!file || !useModels.getState().engine) return;
      // The last analysis window runs past the end (padded); the focus may too, keeping ≥ 0.5 s of audio.
      const maxStart = Math.max(0, file.durationS - 0.5);
      // Rounded to a whole fbank frame.
      const s = Math.max(0, Math.min(Math.round(startS * FRAMES_PER_SECOND) / FRAMES_PER_SECOND, maxStart));
      baseCtl?.abort();
      const ctl = (baseCtl = new AbortController());
      set({ focusS: s, error: null });
      void api()
        .call('window.baseline', { fileId: file.fileId, startS: s }, { signal: ctl.signal })
        .then((res) => {
          if (ctl === baseCtl) set({ window: res.window, baseline: res.run });
        })
        .catch((e) => {
          if (!isCancelled(e)) {
            set({ error: (e as Error).message });
            // While the host restarts the banner says so, and the reconnect refocuses the window.
            if (api().linkState.state === 'up') useUi.getState().notify('error', `Focused window: ${(e as Error).message}`);
          }
        });
      scheduleRun(true);
    },
    setLayer(layer) {
      // The last layer is kept as "last", so that a deeper model opens on its own last layer too.
      const L = useModels.getState().active?.numLayers ?? 0;
      const next = L > 0 && layer >= L ? LAST_LAYER : Math.max(0, Math.round(layer));
      set({ layer: next });
      saveText('mergeLayer', next === LAST_LAYER ? 'last' : String(next));
    },
    setTint(tint) {
      const t = Math.max(0, Math.min(1, tint));
      set({ tint: t });
      saveText('mergeTint', String(t));
    },
    setShading: (shading) => set({ shading }),
    clear() {
      runCtl?.abort();
      baseCtl?.abort();
      if (speedTimer) clearTimeout(speedTimer);
      speedTimer = null;
      set({ window: null, baseline: null, merged: null, comparison: null, speed: null, focusS: 0, running: false, weightsLoad: null, error: null });
    },
    async loadTable() {
      const { shape, protectDistillation } = get().params;
      try {
        const table = await api().call('schedule.table', { shape, protectDistillation });
        if (get().params.shape === shape && get().params.protectDistillation === protectDistillation) set({ table });
      } catch (e) {
        if (!isCancelled(e)) console.warn('schedule table', e);
      }
    },
  };
});
