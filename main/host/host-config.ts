/** What a Host is told by whoever starts it (serve, Electron's engine process, tests, the bench). */
import type { Checkpoint } from '../../app/checkpoint/load.js';
import type { Engine, ExecutionProvider } from '../../app/engine/types.js';

export interface EngineOptions {
  providers?: ExecutionProvider[];
  threads?: number;
}

/** Builds an engine for a checkpoint (tests and the bench may swap it). */
export type CreateEngine = (checkpoint: Checkpoint, opts: EngineOptions) => Promise<Engine>;

export interface HostConfig extends EngineOptions {
  kind: 'serve' | 'electron';
  appVersion: string;
  /** Folder of bundled models (one sub-folder each). */
  modelsDir: string;
  defaultModel: string;
  /** Where settings.json lives. */
  stateDir: string;
  /** Where decoded audio is written for playback. */
  mediaDir: string;
  demoDir: string | null;
  homeDir: string;
  /** Where the hub cache is and how to reach the hub (HF_HUB_CACHE, HF_HOME, HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** serve --root (a real path): the only folder the host may list, read and write under; null or absent: anywhere. */
  root?: string | null;
  createEngine?: CreateEngine;
  log?: (line: string) => void;
}

/** onnxruntime-node, loaded only when an engine is first built. */
export async function defaultEngine(checkpoint: Checkpoint, opts: EngineOptions): Promise<Engine> {
  const { createNodeEngine } = await import('../../app/engine/node-engine.js');
  return createNodeEngine(checkpoint, opts);
}
