/**
 * The model store's methods: pull from the hub, inspect and import a checkpoint, remove, and a
 * model's labels with their ontology. Each change rescans the registry, so that the list is
 * always what is on disk. Downloads and conversions are app/models' and app/checkpoint's; this
 * file decides where things go (the hub cache, <state folder>/models) and what the UI is told.
 */
import { rm, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import type { ImportOverrides, ImportReport, ModelInfo, Params, Result } from '../../app/contract/index.js';
import { importOriginalAst, type OriginalImport, type OriginalImportOptions } from '../../app/checkpoint/ast-original.js';
import { writeHfFolder } from '../../app/checkpoint/hf-folder-writer.js';
import { loadCheckpoint } from '../../app/checkpoint/load.js';
import { openTorchStateDict } from '../../app/checkpoint/torch-state-dict.js';
import { framesToSeconds } from '../../app/common/units.js';
import { audiosetAncestry } from '../../app/models/audioset-ontology.js';
import { pullModel, type PullProgress } from '../../app/models/download.js';
import { removeCachedRepo, repoDir } from '../../app/models/hub-cache.js';
import { hostPath } from './host-paths.js';
import { folderBytes, paramCount } from './model-info.js';
import type { ModelRegistry } from './model-registry.js';
import { HostError, throwIfAborted, type CallContext } from './rpc.js';
import type { SettingsFile } from './settings.js';

/** At most this often a models.progress event per pull (and at the end of each file). */
const PROGRESS_EVERY_MS = 100;

export class ModelStore {
  /** Repos being pulled now: two pulls of one repo would write the same partial file. */
  private readonly pulling = new Set<string>();

  constructor(
    private readonly registry: ModelRegistry,
    private readonly settings: SettingsFile,
    /** HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE, HF_HUB_CACHE / HF_HOME: the host's environment. */
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Scans the bundled models, the hub cache and the remembered folders again. */
  rescan(): Promise<void> {
    return this.registry.scan(this.settings.settings.imported);
  }

  list(): Result<'models.list'> {
    return { models: this.registry.list(), skipped: this.registry.skipped() };
  }

  async pull({ repoId, revision }: Params<'models.pull'>, ctx: CallContext): Promise<Result<'models.pull'>> {
    if (this.pulling.has(repoId)) throw new HostError('USAGE', `${repoId} is being pulled already; wait for that pull, or cancel it`);
    this.pulling.add(repoId);
    try {
      return await this.pullOnce(repoId, revision, ctx);
    } finally {
      this.pulling.delete(repoId);
    }
  }

  private async pullOnce(repoId: string, revision: string | undefined, ctx: CallContext): Promise<Result<'models.pull'>> {
    let last = 0;
    const onProgress = (p: PullProgress) => {
      const now = Date.now();
      if (p.fileBytes < p.fileSize && now - last < PROGRESS_EVERY_MS) return;
      last = now;
      if (ctx.signal.aborted) return;
      const { file, fileBytes, fileSize, bytes, totalBytes, bytesPerSecond, etaSeconds } = p;
      ctx.client.emit('models.progress', { id: ctx.id, repoId, file, fileBytes, fileSize, bytes, totalBytes, bytesPerSecond, ...(etaSeconds === undefined ? {} : { etaSeconds }) });
    };
    const res = await pullModel(repoId, { revision, env: this.env, signal: ctx.signal, onProgress });
    await this.rescan();
    return { model: this.found(res.dir, `${repoId}@${res.revision} was downloaded to ${res.dir}`), cached: res.cached };
  }

  async inspect({ path, overrides }: Params<'models.inspect'>, ctx: CallContext): Promise<ImportReport> {
    const file = hostPath(path, 'checkpoint file');
    if ((await stat(file).catch(() => null))?.isDirectory()) {
      throw new HostError('USAGE', `${file}: a folder carries its own config.json; inspect reads a .pth checkpoint of the original AST / FastAST code`);
    }
    return report(await this.convert(file, overrides, ctx));
  }

  /** A folder is checked in full and remembered where it is; a .pth is converted into <state folder>/models/<name>. */
  async import({ path, overrides, name }: Params<'models.import'>, ctx: CallContext): Promise<Result<'models.import'>> {
    const abs = hostPath(path, 'model folder or checkpoint file');
    const info = await stat(abs).catch(() => null);
    if (!info) throw new HostError('FILE_NOT_FOUND', `${abs}: no such folder or file`);
    if (info.isDirectory()) {
      if (overrides !== undefined) throw new HostError('USAGE', `${abs}: a folder has its config.json; overrides apply to a .pth checkpoint only`);
      const known = this.registry.byDir(abs);
      if (known) return { model: known, report: null };
      await loadCheckpoint(abs); // every tensor by name and shape, before the folder is remembered
      throwIfAborted(ctx.signal);
      await this.remember(abs);
      return { model: this.found(abs, `${abs} was checked`), report: null };
    }
    const imported = await this.convert(abs, overrides, ctx);
    const out = await this.freeFolder(name ?? basename(abs, extname(abs)));
    await writeHfFolder(out, imported, imported.spec, imported.weights);
    await this.remember(out);
    return { model: this.found(out, `${abs} was converted into ${out}`), report: report(imported) };
  }

  /**
   * Removes a model from disk (a hub repo with every revision, an imported .pth's folder) or
   * forgets an added folder; returns the ids that went (the host drops their engines).
   */
  async remove({ id, path }: Params<'models.remove'>): Promise<Result<'models.remove'>> {
    if ((id === undefined) === (path === undefined)) throw new HostError('BAD_REQUEST', 'models.remove takes an id, or the path of a skipped folder: one of them');
    if (path !== undefined) return this.forgetSkipped(path);
    const m = this.registry.require(id!);
    let removed = [m.id];
    let freedBytes = 0;
    switch (m.source) {
      case 'bundled':
        throw new HostError('USAGE', `${m.id} is bundled with the app and cannot be removed`);
      case 'hub': {
        const repoId = m.hub!.repoId;
        removed = this.registry.list().filter((x) => x.hub?.repoId === repoId).map((x) => x.id);
        const repo = repoDir(this.registry.hubCacheDir, repoId);
        freedBytes = await folderBytes(join(repo, 'blobs')).catch(() => 0);
        await removeCachedRepo(this.registry.hubCacheDir, repoId);
        break;
      }
      case 'imported':
        freedBytes = m.bytes;
        await rm(m.dir, { recursive: true, force: true }).catch((e: Error) => {
          throw new HostError('MODEL_STORE_FAILED', `could not remove ${m.dir}: ${e.message}`);
        });
        await this.forget(m.dir);
        break;
      case 'folder':
        await this.forget(m.dir); // the user's folder: only the app forgets it
        break;
    }
    await this.rescan();
    return { removed, freedBytes };
  }

  /** Forgets a remembered folder that the scan skipped (gone, unreadable, beyond the limits); its files stay. */
  private async forgetSkipped(path: string): Promise<Result<'models.remove'>> {
    const remembered = this.settings.settings.imported.some((d) => resolve(d) === resolve(path));
    if (!remembered) throw new HostError('NO_MODEL', `${path} is not a remembered model folder`);
    await this.forget(path);
    await this.rescan();
    return { removed: [], freedBytes: 0 };
  }

  async labels({ id }: Params<'models.labels'>): Promise<Result<'models.labels'>> {
    const m = this.registry.require(id);
    const ancestry = await audiosetAncestry(m.labels);
    if (ancestry) return { ontology: 'audioset', labels: ancestry };
    return { ontology: null, labels: m.labels.map((name) => ({ name, ancestors: [] })) };
  }

  /** Reads a .pth and infers its geometry (in memory; nothing is written). */
  private async convert(file: string, overrides: ImportOverrides | undefined, ctx: CallContext): Promise<OriginalImport> {
    const options: OriginalImportOptions = { ...overrides, labelsCsv: overrides?.labelsCsv && hostPath(overrides.labelsCsv, 'label CSV') };
    const sd = await openTorchStateDict(file);
    try {
      const imported = await importOriginalAst(sd, options);
      throwIfAborted(ctx.signal);
      return imported;
    } finally {
      await sd.close();
    }
  }

  /** <state folder>/models/<name>, or <name>-2, -3 … when taken. */
  private async freeFolder(name: string): Promise<string> {
    const base = name.replace(/[^\w.@+-]/g, '_').replace(/^\.+/, '_').slice(0, 100) || 'model';
    for (let n = 1; ; n++) {
      const dir = this.registry.importFolder(n === 1 ? base : `${base}-${n}`);
      if (!(await stat(dir).catch(() => null))) return dir;
    }
  }

  private async remember(dir: string): Promise<void> {
    const list = this.settings.settings.imported;
    if (!list.includes(dir)) {
      list.push(dir);
      await this.settings.save();
    }
    await this.rescan();
  }

  private async forget(dir: string): Promise<void> {
    const list = this.settings.settings.imported;
    this.settings.settings.imported = list.filter((d) => resolve(d) !== resolve(dir));
    await this.settings.save();
  }

  /** The model now in `dir`, or the scan's reason for leaving it out. */
  private found(dir: string, what: string): ModelInfo {
    const model = this.registry.byDir(dir);
    if (model) return model;
    const why = this.registry.skipped().find((s) => resolve(s.path) === resolve(dir));
    throw new HostError('CONFIG_INVALID', `${what}, but it cannot be used: ${why?.reason ?? 'its config.json is not an Audio Spectrogram Transformer classifier'}`);
  }
}

/** What the import form shows: the geometry, the lines read from the weights and the assumptions. */
function report(imported: OriginalImport): ImportReport {
  const s = imported.spec;
  return {
    inferred: imported.inferred,
    assumed: imported.assumed,
    hiddenSize: s.hiddenSize,
    numLayers: s.numLayers,
    numHeads: s.numHeads,
    intermediateSize: s.intermediateSize,
    classes: s.labels.length,
    freqPatches: s.freqPatches,
    timePatches: s.timePatches,
    frequencyStride: s.frequencyStride,
    timeStride: s.timeStride,
    maxLength: s.maxLength,
    windowS: framesToSeconds(s.maxLength),
    mean: s.features.mean,
    std: s.features.std,
    multiLabel: s.multiLabel,
    params: paramCount(s),
    labelsPreview: s.labels.slice(0, 16).map((l) => l.slice(0, 256)),
  };
}
