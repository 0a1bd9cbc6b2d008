import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCheckpoint, type Checkpoint } from '../checkpoint/load.js';
import { createNodeEngine } from '../engine/node-engine.js';
import type { Engine, ExecutionProvider } from '../engine/types.js';
import type { CommonArgs } from './args.js';
import { resolveModelSource } from '../models/resolve.js';

/** The package root, found from this file, so `npx fastast` works from any working directory. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_MODEL_DIR = join(PACKAGE_ROOT, 'models', 'ast-tiny-esc10-cmkd');

export interface OpenModel {
  checkpoint: Checkpoint;
  engine: Engine;
}

/**
 * With --ep X the user named a provider: try it, then cpu, and say on stderr why X was not
 * used. Without --ep the engine's platform order applies and fallbacks stay quiet (on a
 * machine without a GPU, "webgpu unavailable" on every run would only be noise).
 */
function providers(ep: ExecutionProvider | undefined): ExecutionProvider[] | undefined {
  if (ep === undefined) return undefined;
  return ep === 'cpu' ? ['cpu'] : [ep, 'cpu'];
}

export async function openModel(args: CommonArgs, warn: (line: string) => void): Promise<OpenModel> {
  const source = await resolveModelSource(args.model ?? DEFAULT_MODEL_DIR, { bundledDir: join(PACKAGE_ROOT, 'models') });
  // A .pth is imported in memory; a hub snapshot's folder is named by its commit hash, so the repo id is shown instead.
  const checkpoint = source.kind === 'pth' ? await loadCheckpoint(source.path) : { ...(await loadCheckpoint(source.dir)), id: source.label };
  const engine = await createNodeEngine(checkpoint, { providers: providers(args.ep), threads: args.threads });
  if (args.ep !== undefined && engine.ep !== args.ep) {
    const why = engine.attempts.find((a) => a.ep === args.ep)?.reason ?? 'not available';
    warn(`fastast: --ep ${args.ep} could not be used (${why}); running on ${engine.ep}`);
  }
  return { checkpoint, engine };
}
