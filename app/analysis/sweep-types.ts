import type { ModelSpec } from '../checkpoint/spec.js';
import type { LabChangedClip as ChangedClip, LabClassResult as ClassResult, LabResult, LabRow, LabTiming as SweepTiming, MergeParams as SweepSetting } from '../contract/index.js';
import type { Engine, MergeSettings } from '../engine/types.js';
import type { CacheGroup, SweepCache } from './sweep-cache.js';
import type { FileHandle } from 'node:fs/promises';

// The sweep's data: what goes in (models, options), what comes out (rows, result), and the
// per-model plans that sweep.ts fills and sweep-rows.ts reads.

/** A model to sweep: the engine runs it; `sha256` (of model.safetensors) keys the cache. */
export interface SweepModel {
  /** Shown name, e.g. the checkpoint folder `ast-tiny-esc10-cmkd`. */
  id: string;
  sha256: string;
  /** Runs the settings without int8 weights, and every row's r = 0 baseline. */
  engine: Engine;
  /** The same checkpoint with 8-bit weights: runs the settings whose `weights` is int8 (needed only for those). */
  int8?: Engine;
}

// The setting and the row's parts are the contract's types (app/contract/methods-lab.ts): the
// host sends a row as it is, without copying fields.
export type { ChangedClip, ClassResult, SweepSetting, SweepTiming };

/** One model × setting; on the wire (LabRow) its changed clips are capped and counted. */
export type SweepRow = Omit<LabRow, 'changedTotal'>;

export interface SweepProgress {
  /** (model, setting, clip) results ready, cached ones included. */
  done: number;
  total: number;
  /** Of `done`, how many came from the cache. */
  cached: number;
  /** The model being run (absent at the start) and, in stage `infer`, the setting. */
  model?: string;
  setting?: SweepSetting;
  /** features: decoding clips and computing their fbank; infer: running the engine. */
  stage: 'features' | 'infer';
}

export interface SweepOptions {
  settings: SweepSetting[];
  /** Results kept across sweeps (in memory, optionally on disk); default: a fresh in-memory cache. */
  cache?: SweepCache;
  /**
   * Windows per engine.run (default 1, as `npm run bench` and the merge view run them, so
   * that ms per clip here is comparable with both).
   */
  batchSize?: number;
  /** Clips whose features are held at once (default 16); bounds memory on large sets. */
  chunkClips?: number;
  /** Check that every clip's file exists before any inference (default true). */
  checkFiles?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: SweepProgress) => void;
  /**
   * Runs each engine call (warm-up and timed batches) when it is its turn: the app's host passes
   * its engine queue here, so that its interactive runs go between the sweep's batches, never
   * beside them. Only the engine call is timed, not the wait for its turn. Default: at once.
   */
  turn?: <T>(job: () => Promise<T>) => Promise<T>;
  /**
   * Opens a clip to decode (default: by its path). serve --root passes one that checks the
   * opened handle against the root, so a clip swapped for a link after the set was checked is
   * not read; the sweep closes the handle.
   */
  openClip?: (path: string) => Promise<{ path: string; handle: FileHandle }>;
}

/** A sweep's outcome: the contract's LabResult less what only the host knows (sweep id, fold, clips before the cap, elapsed time, cache folder). */
export interface SweepResult extends Pick<LabResult, 'models' | 'featuresMs' | 'computed' | 'cached'> {
  set: Omit<LabResult['set'], 'totalClips' | 'fold'>;
  /** One per model × requested setting, models in the order given, settings too; each row's setting says its weights. */
  rows: SweepRow[];
}

/** One distinct computation of a model: settings with the same applied schedule and flags share it. */
export interface Plan {
  /** The first setting that asked for it (shown in progress). */
  setting: SweepSetting;
  /** The model's engine at the setting's weights. */
  engine: Engine;
  group: CacheGroup;
  merge: MergeSettings;
  tokensAfterLast: number;
  flops: number;
  /** ms per window of each batch run in this sweep. */
  samples: number[];
  /** ms per window of each clip run in this sweep, by the clip's index in the set (paired with r = 0's). */
  clipMs: Map<number, number>;
  /** Clips run in this sweep (the rest came from the cache). */
  computed: number;
  warmedUp: boolean;
}

export interface ModelRun {
  model: SweepModel;
  spec: ModelSpec;
  specDigest: string;
  plans: Map<string, Plan>;
}
