import { create } from 'zustand';
import type { EngineInfo, ModelInfo } from '../../../app/contract';
import { api, isCancelled } from '../api/client';
import { useUi } from './ui';

interface ModelsState {
  models: ModelInfo[];
  active: ModelInfo | null;
  engine: EngineInfo | null;
  loading: string | null;
  /** Progress of the model being loaded ("building graph 40 %"); null when none is. */
  loadProgress: { done: number; message: string } | null;
  setAll(models: ModelInfo[], activeId: string | null, engine: EngineInfo | null): void;
  select(id: string): Promise<boolean>;
  /**
   * Stops waiting for the model being loaded; the active model stays. The host finishes a graph
   * build it started (it cannot stop onnxruntime halfway) and caches it, so a later pick is quick.
   */
  cancelLoad(): void;
  importDir(dir: string): Promise<void>;
}

let loadCtl: AbortController | null = null;

export const useModels = create<ModelsState>((set, get) => ({
  models: [],
  active: null,
  engine: null,
  loading: null,
  loadProgress: null,
  setAll(models, activeId, engine) {
    set({ models, active: models.find((m) => m.id === activeId) ?? null, engine });
  },
  async select(id) {
    if (get().active?.id === id && get().engine) return true;
    loadCtl?.abort();
    const ctl = (loadCtl = new AbortController());
    set({ loading: id, loadProgress: null });
    try {
      const onProgress = (p: { done: number; message?: string }) => set({ loadProgress: { done: p.done, message: p.message ?? '' } });
      const { model, engine } = await api().call('models.select', { id }, { onProgress, signal: ctl.signal });
      set({ active: model, engine, loading: null, loadProgress: null });
      return true;
    } catch (e) {
      if (ctl === loadCtl) set({ loading: null, loadProgress: null });
      if (!isCancelled(e)) useUi.getState().notify('error', `Could not load model ${id}: ${(e as Error).message}`);
      return false;
    }
  },
  cancelLoad() {
    loadCtl?.abort();
    loadCtl = null;
    set({ loading: null, loadProgress: null });
  },
  async importDir(dir) {
    try {
      const { model } = await api().call('models.import', { path: dir });
      set({ models: [...get().models.filter((m) => m.id !== model.id), model] });
      useUi.getState().notify('info', `Imported ${model.name} (${model.labels.length} classes)`);
      await get().select(model.id);
    } catch (e) {
      useUi.getState().notify('error', `Import failed: ${(e as Error).message}`);
    }
  },
}));
