/** The models the host knows: bundled ones (one sub-folder each of the models folder) and imported ones. */
import { readdir, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { ModelInfo } from '../../app/contract/index.js';
import { loadCheckpoint } from '../../app/checkpoint/load.js';
import { specFromConfigs, type ModelSpec } from '../../app/checkpoint/spec.js';
import { maxR } from '../../app/tome/schedule.js';
import { HostError } from './rpc.js';

export function modelInfo(id: string, dir: string, spec: ModelSpec, bundled: boolean): ModelInfo {
  const name = id
    .replace(/^ast-/, 'AST ')
    .replace(/-cmkd$/, ' (distilled, CMKD)')
    .replace(/-plain$/, ' (plain)')
    .replace(/-/g, ' ');
  return {
    id,
    name,
    dir,
    bundled,
    note: `${spec.numLayers} layers × ${spec.hiddenSize}, ${spec.labels.length} classes, ${spec.multiLabel ? 'multi-label (sigmoid)' : 'single-label (softmax)'}`,
    labels: spec.labels,
    multiLabel: spec.multiLabel,
    numLayers: spec.numLayers,
    numTokens: spec.numTokens,
    freqPatches: spec.freqPatches,
    timePatches: spec.timePatches,
    numMelBins: spec.numMelBins,
    maxLength: spec.maxLength,
    patchSize: spec.patchSize,
    frequencyStride: spec.frequencyStride,
    timeStride: spec.timeStride,
    sampleRate: spec.features.sampleRate,
    maxR: { protect: maxR(spec, true), noProtect: maxR(spec, false) },
  };
}

/** The spec from a folder's config files only (a scan must not read every checkpoint's weights). */
async function readSpec(dir: string): Promise<ModelSpec> {
  const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
  let pre = null;
  try {
    pre = JSON.parse(await readFile(join(dir, 'preprocessor_config.json'), 'utf8'));
  } catch {
    /* optional */
  }
  return specFromConfigs(config, pre, dir);
}

/** A model id from a folder name: safe for the contract's id pattern. */
function idFor(dir: string): string {
  return basename(resolve(dir)).replace(/[^\w.@+-]/g, '_').slice(0, 100) || 'model';
}

export class ModelRegistry {
  private readonly models = new Map<string, ModelInfo>();

  constructor(
    private readonly modelsDir: string,
    private readonly log: (line: string) => void,
  ) {}

  /** Reads the bundled models and the `imported` folders; a broken bundled one is logged and skipped. */
  async scan(imported: readonly string[]): Promise<void> {
    const dirs: { dir: string; bundled: boolean }[] = [];
    try {
      for (const e of await readdir(this.modelsDir, { withFileTypes: true })) {
        if (e.isDirectory()) dirs.push({ dir: join(this.modelsDir, e.name), bundled: true });
      }
    } catch {
      this.log(`no bundled models in ${this.modelsDir}`);
    }
    for (const dir of imported) dirs.push({ dir, bundled: false });
    for (const { dir, bundled } of dirs) {
      try {
        const spec = await readSpec(dir);
        const id = idFor(dir);
        this.models.set(id, modelInfo(id, dir, spec, bundled));
      } catch (e) {
        if (bundled) this.log(`skipping ${dir}: ${(e as Error).message}`);
      }
    }
  }

  /** Imports a checkpoint folder after a full check (every tensor by name and shape); returns its info. */
  async import(dir: string): Promise<ModelInfo> {
    const abs = resolve(dir);
    const checkpoint = await loadCheckpoint(abs);
    let id = idFor(abs);
    const existing = this.models.get(id);
    if (existing && resolve(existing.dir) !== abs) id = `${id}-${checkpoint.sha256.slice(0, 8)}`;
    const info = modelInfo(id, abs, checkpoint.spec, false);
    this.models.set(id, info);
    return info;
  }

  get(id: string): ModelInfo | undefined {
    return this.models.get(id);
  }

  /** The model, or NO_MODEL naming the known ones. */
  require(id: string): ModelInfo {
    const m = this.models.get(id);
    if (!m) throw new HostError('NO_MODEL', `no model ${id}; known: ${[...this.models.keys()].join(', ')}`);
    return m;
  }

  list(): ModelInfo[] {
    return [...this.models.values()];
  }

  /** All models by id (the lab looks its models up here). */
  byId(): ReadonlyMap<string, ModelInfo> {
    return this.models;
  }
}
