/**
 * The Models view's store: the installed models (bundled, hub cache, imported) and those the
 * host skipped, downloads from the hub with their progress and cancel, the .pth import (inspect
 * then import), removal, and each model's labels with their ontology (cached per model: the
 * class list, the search and the branch filter read them). The picker's list (stores/models)
 * is refreshed from here after every change.
 */
import { create } from 'zustand';
import type { EventData, ImportOverrides, ImportReport, LabelEntry, ModelInfo, SkippedModel } from '../../../app/contract';
import { api, isCancelled } from '../api/client';
import { useModels } from './models';
import { useUi } from './ui';

export type PullProgress = Omit<EventData<'models.progress'>, 'id' | 'repoId'>;

export interface Pull {
  /** Progress of the file at work and of the whole pull; null until the first event. */
  progress: PullProgress | null;
  error: string | null;
}

export interface ModelLabels {
  ontology: 'audioset' | null;
  labels: LabelEntry[];
}

interface ModelStoreState {
  models: ModelInfo[];
  skipped: SkippedModel[];
  listing: boolean;
  /** Downloads by repo id (one at a time per repo, as the host allows). */
  pulls: Record<string, Pull>;
  /** Labels with their ontology ancestors, by model id. */
  labels: Record<string, ModelLabels>;
  /** The top bar's class list is open (the reach notice opens it too). */
  classesOpen: boolean;
  setClassesOpen(open: boolean): void;
  refresh(): Promise<void>;
  pull(repoId: string, revision?: string): Promise<void>;
  cancelPull(repoId: string): void;
  remove(id: string): Promise<void>;
  forgetSkipped(path: string): Promise<void>;
  inspect(path: string, overrides: ImportOverrides): Promise<ImportReport>;
  importPth(path: string, overrides: ImportOverrides, name?: string): Promise<ModelInfo>;
  loadLabels(id: string): Promise<ModelLabels | null>;
}

/** Cancels of the pulls under way, by repo id (not state: nothing renders them). */
const pullCtl = new Map<string, AbortController>();
let listening = false;

function listenForProgress(): void {
  if (listening) return;
  listening = true;
  api().on('models.progress', (p) => {
    const pull = useModelStore.getState().pulls[p.repoId];
    if (!pull || !pullCtl.has(p.repoId)) return; // a late event of a cancelled pull
    const { file, fileBytes, fileSize, bytes, totalBytes, bytesPerSecond, etaSeconds } = p;
    const progress: PullProgress = { file, fileBytes, fileSize, bytes, totalBytes, bytesPerSecond, etaSeconds };
    const repoId = p.repoId;
    useModelStore.setState((s) => ({ pulls: { ...s.pulls, [repoId]: { ...pull, progress } } }));
  });
}

function setPull(repoId: string, pull: Pull | null): void {
  useModelStore.setState((s) => {
    const pulls = { ...s.pulls };
    if (pull) pulls[repoId] = pull;
    else delete pulls[repoId];
    return { pulls };
  });
}

const notify = (level: 'info' | 'warning' | 'error', message: string) => useUi.getState().notify(level, message);

export const useModelStore = create<ModelStoreState>((set, get) => ({
  models: [],
  skipped: [],
  listing: false,
  pulls: {},
  labels: {},
  classesOpen: false,
  setClassesOpen: (classesOpen) => set({ classesOpen }),

  async refresh() {
    set({ listing: true });
    try {
      const { models, skipped } = await api().call('models.list', {});
      set({ models, skipped, listing: false });
      // The picker lists the same models; the active one stays what it is (or goes when removed).
      const picker = useModels.getState();
      useModels.setState({ models, active: models.find((m) => m.id === picker.active?.id) ?? picker.active });
    } catch (e) {
      set({ listing: false });
      notify('error', `Could not list the models: ${(e as Error).message}`);
    }
  },

  async pull(repoId, revision) {
    if (pullCtl.has(repoId)) return;
    listenForProgress();
    const ctl = new AbortController();
    pullCtl.set(repoId, ctl);
    setPull(repoId, { progress: null, error: null });
    try {
      const { model, cached } = await api().call('models.pull', revision ? { repoId, revision } : { repoId }, { signal: ctl.signal });
      setPull(repoId, null);
      notify('info', cached ? `${repoId} was in the hub cache already` : `Downloaded ${model.name} (${model.classes} classes)`);
      await get().refresh();
    } catch (e) {
      if (isCancelled(e)) {
        setPull(repoId, null);
        notify('info', `Download of ${repoId} cancelled; what arrived is kept for a resume`);
      } else setPull(repoId, { progress: get().pulls[repoId]?.progress ?? null, error: (e as Error).message });
    } finally {
      pullCtl.delete(repoId);
    }
  },

  cancelPull(repoId) {
    const ctl = pullCtl.get(repoId);
    if (ctl) ctl.abort();
    else setPull(repoId, null); // a failed pull's message: dismissed
  },

  async remove(id) {
    try {
      const { removed, freedBytes } = await api().call('models.remove', { id });
      notify('info', `Removed ${removed.join(', ')}${freedBytes ? ` (${formatBytes(freedBytes)} freed)` : ''}`);
    } catch (e) {
      notify('error', `Could not remove ${id}: ${(e as Error).message}`);
    }
    await get().refresh();
    // The host moved to another model when the active one went: ask it which.
    const active = useModels.getState().active;
    if (active && !get().models.some((m) => m.id === active.id)) {
      const h = await api().call('hello', {});
      useModels.getState().setAll(h.models, h.activeModel, h.engine);
    }
  },

  async forgetSkipped(path) {
    try {
      await api().call('models.remove', { path });
    } catch (e) {
      notify('error', `Could not forget ${path}: ${(e as Error).message}`);
    }
    await get().refresh();
  },

  inspect: (path, overrides) => api().call('models.inspect', { path, overrides }),

  async importPth(path, overrides, name) {
    const { model } = await api().call('models.import', name ? { path, overrides, name } : { path, overrides });
    await get().refresh();
    notify('info', `Imported ${model.name} (${model.classes} classes)`);
    return model;
  },

  async loadLabels(id) {
    const known = get().labels[id];
    if (known) return known;
    try {
      const res = await api().call('models.labels', { id });
      set((s) => ({ labels: { ...s.labels, [id]: res } }));
      return res;
    } catch (e) {
      notify('warning', `Could not read the labels of ${id}: ${(e as Error).message}`);
      return null;
    }
  },
}));

/** 1.2 GB, 340 MB, 12 kB: what the list and the progress show. */
export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)} kB`;
  return `${n} B`;
}

/** 1:05, 12 s: a download's time left. */
export function formatEta(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return '…';
  if (s < 60) return `${Math.ceil(s)} s`;
  const m = Math.floor(s / 60);
  return `${m}:${String(Math.floor(s % 60)).padStart(2, '0')} min`;
}
