/**
 * The models the host knows, found by a scan of three places: the bundled models (one folder
 * each in the models folder), the Audio Spectrogram Transformers in the Hugging Face hub cache
 * (what Python or `models.pull` downloaded; other repos are left out), and the folders the
 * settings remember (.pth checkpoints converted into the state folder, folders the user added).
 * A model that cannot be read, or whose config is beyond the contract's limits, is skipped with
 * a reason: one bad model never breaks hello or the start.
 */
import { stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import type { ModelInfo, ModelSourceKind, SkippedModel } from '../../app/contract/index.js';
import { hubCacheDir } from '../../app/models/hub-cache.js';
import { listBundled, listHubCache } from '../../app/models/list.js';
import { resolveModelSource } from '../../app/models/resolve.js';
import { folderBytes, folderDisplayName, modelInfo, readSpec, type ModelPlace } from './model-info.js';
import { HostError } from './rpc.js';

/** A model id from a name: safe for the contract's id pattern. */
function safeId(name: string): string {
  return name.replace(/[^\w.@+-]/g, '_').slice(0, 100) || 'model';
}

/** A hub model's id: ORG--NAME as the cache names its folder (the hub forbids "--" in names), @REVISION off main. */
function hubId(repoId: string, revision: string): string {
  const base = repoId.replace('/', '--');
  return revision === 'main' ? base : `${base}@${revision}`;
}

export class ModelRegistry {
  private models = new Map<string, ModelInfo>();
  private skippedModels: SkippedModel[] = [];

  constructor(
    private readonly modelsDir: string,
    /** Where .pth imports are written: <state folder>/models. */
    readonly importDir: string,
    /** HF_HUB_CACHE / HF_HOME say where the hub cache is. */
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: (line: string) => void,
  ) {}

  get hubCacheDir(): string {
    return hubCacheDir(this.env);
  }

  /** An added folder is "imported" when the host wrote it (under importDir), else the user's "folder". */
  sourceOf(dir: string): ModelSourceKind {
    const rel = relative(this.importDir, resolve(dir));
    return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep) ? 'imported' : 'folder';
  }

  /** Reads every place again and replaces the list at once (a request never sees half a scan). */
  async scan(added: readonly string[]): Promise<void> {
    const models = new Map<string, ModelInfo>();
    const skipped: SkippedModel[] = [];
    const add = async (place: Omit<ModelPlace, 'id' | 'bytes'> & { id: string; bytes?: number }) => {
      try {
        const spec = await readSpec(place.dir);
        let id = place.id;
        for (let n = 2; models.has(id); n++) id = `${place.id}-${n}`;
        const bytes = place.bytes ?? (await folderBytes(place.dir));
        models.set(id, modelInfo({ ...place, id, bytes }, spec));
      } catch (e) {
        const reason = (e as Error).message;
        skipped.push({ path: place.dir, source: place.source, reason: reason.slice(0, 4096) });
        this.log(`skipping model ${place.dir}: ${reason}`);
      }
    };

    for (const m of await listBundled(this.modelsDir)) {
      await add({ id: safeId(m.id), name: folderDisplayName(m.id), dir: m.dir, source: 'bundled', hub: null, bytes: m.bytes });
    }
    let hub: Awaited<ReturnType<typeof listHubCache>> = [];
    try {
      hub = await listHubCache(this.hubCacheDir);
    } catch (e) {
      skipped.push({ path: this.hubCacheDir, source: 'hub', reason: `the hub cache could not be read: ${(e as Error).message}` });
    }
    for (const m of hub) {
      const repoId = m.id.split('@')[0];
      const revision = m.refs?.includes('main') ? 'main' : (m.refs?.[0] ?? m.commit!);
      const name = revision === 'main' ? repoId : `${repoId}@${revision.slice(0, 12)}`;
      await add({ id: hubId(repoId, revision), name, dir: m.dir, source: 'hub', hub: { repoId, revision, commit: m.commit! }, bytes: m.bytes });
    }
    for (const path of added) {
      const source = this.sourceOf(path);
      try {
        // resolve's own message speaks of --model; a remembered folder that went deserves its own.
        if (!(await stat(path).catch(() => null))) throw new HostError('FILE_NOT_FOUND', `${path}: the folder is gone (moved, deleted, or on a drive not mounted); remove it from the list, or import it again`);
        const found = await resolveModelSource(path, { env: this.env });
        // The settings keep folders: a .pth is converted into one when it is imported.
        if (found.kind !== 'folder') throw new HostError('CHECKPOINT_INVALID', `${path}: a checkpoint file; import it to convert it into a folder`);
      } catch (e) {
        skipped.push({ path, source, reason: (e as Error).message.slice(0, 4096) });
        continue;
      }
      await add({ id: safeId(basename(path)), name: folderDisplayName(basename(path)), dir: path, source, hub: null });
    }
    this.models = models;
    this.skippedModels = skipped;
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

  /** The model in a folder (after a pull or an import, to answer with its info). */
  byDir(dir: string): ModelInfo | undefined {
    const abs = resolve(dir);
    return this.list().find((m) => resolve(m.dir) === abs);
  }

  list(): ModelInfo[] {
    return [...this.models.values()];
  }

  /** Why models were left out of the list, from the last scan. */
  skipped(): SkippedModel[] {
    return this.skippedModels;
  }

  /** All models by id (the lab looks its models up here). */
  byId(): ReadonlyMap<string, ModelInfo> {
    return this.models;
  }

  /** Where a .pth named `name` is converted to. */
  importFolder(name: string): string {
    return join(this.importDir, name);
  }
}
