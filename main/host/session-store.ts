/**
 * The session, kept host-side under <state folder>/session/: session.json (open files, active
 * file, view state, recent files), folder.json (the folder view's last run: up to a few MB, so
 * apart from the small session.json that every tab switch rewrites) and files/<hash of the path>.json (one recording's segments,
 * reviews, undo history and settings). Every save is written atomically (app/export's
 * temp-file + fsync + rename), so a crash or `kill -9` leaves either the last save or the one
 * before, never half a file. A file that cannot be read back is renamed `.corrupt` and reported
 * once as a notice: the host starts, with that part of the session empty, instead of failing.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import {
  FileState as FileStateSchema,
  FolderRun as FolderRunSchema,
  MAX_RECENT_FILES,
  MAX_SAVED_SEGMENTS,
  RecentFile as RecentFileSchema,
  s,
  SessionInput as SessionInputSchema,
  type FileState,
  type FileStateInput,
  type FolderRun,
  type RecentFile,
  type Result,
  type SessionInput,
} from '../../app/contract/index.js';
import { writeError, writeFilesAtomically } from '../../app/export/atomic-write.js';
import { FastAstError } from '../../app/errors.js';

const FORMAT = { format: s.literal('fastast-session'), version: s.literal(1) };
const SessionDoc = s.object({
  ...FORMAT,
  ...SessionInputSchema.shape,
  recent: s.array(s.object({ path: s.string({ max: 4096 }), openedAt: s.string({ max: 64 }) }), { max: MAX_RECENT_FILES }),
});
type SessionDoc = ReturnType<typeof SessionDoc.parse>;
const FileDoc = s.object({ ...FORMAT, format: s.literal('fastast-file-state'), ...FileStateSchema.shape });
const FolderDoc = s.object({ ...FORMAT, format: s.literal('fastast-folder-run'), run: s.nullable(FolderRunSchema) });

/** Segments in one saved state, undo steps included: bounds the file a save writes. */
const MAX_SEGMENTS_WITH_UNDO = 4 * MAX_SAVED_SEGMENTS;

/** The state a file document holds, without its format header. */
function stateOf(doc: ReturnType<typeof FileDoc.parse>): FileState {
  const state: Partial<typeof doc> = { ...doc };
  delete state.format;
  delete state.version;
  return state as FileState;
}

const emptySession = (): SessionDoc => ({ format: 'fastast-session', version: 1, openFiles: [], activePath: null, view: null, recent: [] });

export class SessionStore {
  private readonly dir: string;
  private session: SessionDoc | null = null;
  /** The folder view's last run; undefined until read from disk. */
  private folder: FolderRun | null | undefined = undefined;
  /** Saved states by path, read once from disk (null: none saved). */
  private readonly files = new Map<string, FileState | null>();
  /** Notices not yet handed to a client (set-aside files). */
  private readonly notices: string[] = [];
  /** Writes of one target go one after another, so that an older save never lands after a newer one. */
  private readonly writes = new Map<string, Promise<unknown>>();

  constructor(
    stateDir: string,
    private readonly log: (line: string) => void,
  ) {
    this.dir = join(stateDir, 'session');
  }

  async getSession(): Promise<Result<'session.get'>> {
    const doc = await this.loadSession();
    const recent = await this.recent();
    const folder = await this.loadFolder();
    return { openFiles: doc.openFiles, activePath: doc.activePath, view: doc.view, recent, folder, notices: this.notices.splice(0) };
  }

  /** Replaces the folder view's saved run (null forgets it). */
  async saveFolder(run: FolderRun | null): Promise<string> {
    this.folder = run;
    await this.write(this.folderPath, { format: 'fastast-folder-run', version: 1, run });
    return new Date().toISOString();
  }

  async saveSession(input: SessionInput): Promise<string> {
    const doc = await this.loadSession();
    doc.openFiles = input.openFiles.map((p) => resolve(p));
    doc.activePath = input.activePath === null ? null : resolve(input.activePath);
    doc.view = input.view;
    await this.writeSession(doc);
    return new Date().toISOString();
  }

  /** file.open: the file goes to the front of the recent list and joins the open files. */
  async noteOpened(path: string): Promise<void> {
    const doc = await this.loadSession();
    const abs = resolve(path);
    doc.recent = [{ path: abs, openedAt: new Date().toISOString() }, ...doc.recent.filter((r) => r.path !== abs)].slice(0, MAX_RECENT_FILES);
    if (!doc.openFiles.includes(abs)) doc.openFiles = [...doc.openFiles, abs].slice(-64);
    doc.activePath = abs;
    await this.writeSession(doc);
  }

  async saveFile(input: FileStateInput): Promise<string> {
    const abs = resolve(input.path);
    const steps = input.undo ? [...input.undo.past, ...input.undo.future].reduce((n, u) => n + u.segments.length, 0) : 0;
    if (input.segments.length + steps > MAX_SEGMENTS_WITH_UNDO) {
      throw new FastAstError('BAD_REQUEST', `file.state.save: ${input.segments.length + steps} segments with the undo history; at most ${MAX_SEGMENTS_WITH_UNDO} (save fewer undo steps)`);
    }
    const info = await stat(abs).catch(() => null);
    if (!info?.isFile()) throw new FastAstError('FILE_NOT_FOUND', `${abs}: no such file; its segments are saved with the recording's size and date, so it must exist`);
    const state: FileState = { ...input, path: abs, sizeBytes: info.size, mtimeMs: info.mtimeMs, savedAt: new Date().toISOString() };
    this.files.set(abs, state);
    await this.write(this.filePath(abs), { format: 'fastast-file-state', version: 1, ...state });
    return state.savedAt;
  }

  async getFile(path: string): Promise<Result<'file.state.get'>> {
    const abs = resolve(path);
    const before = this.notices.length;
    const state = await this.loadFile(abs);
    const notice = this.notices.length > before ? this.notices.splice(before).join('\n') : null;
    if (!state) return { state: null, match: 'none', notice };
    const info = await stat(abs).catch(() => null);
    const same = info !== null && info.size === state.sizeBytes && info.mtimeMs === state.mtimeMs;
    return { state, match: same ? 'same' : 'changed', notice };
  }

  /** Recent files, newest first, with what was saved for each. */
  async recent(): Promise<RecentFile[]> {
    const doc = await this.loadSession();
    const out: RecentFile[] = [];
    for (const r of doc.recent) {
      const state = await this.loadFile(r.path);
      const exists = await stat(r.path).then(
        (i) => i.isFile(),
        () => false,
      );
      const segments = state?.segments ?? [];
      out.push(
        RecentFileSchema.parse({
          path: r.path,
          name: basename(r.path),
          openedAt: r.openedAt,
          savedAt: state?.savedAt ?? null,
          segments: segments.length,
          reviewed: segments.filter((x) => x.review !== 'unreviewed').length,
          exists,
        }),
      );
    }
    return out;
  }

  /** Waits for every write in flight (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.writes.values()].map((p) => p.catch(() => {})));
  }

  private get sessionPath(): string {
    return join(this.dir, 'session.json');
  }

  private get folderPath(): string {
    return join(this.dir, 'folder.json');
  }

  /** One state file per recording, named by a hash of its path (any path, any length, any characters). */
  private filePath(abs: string): string {
    return join(this.dir, 'files', createHash('sha256').update(abs).digest('hex').slice(0, 32) + '.json');
  }

  private async loadSession(): Promise<SessionDoc> {
    if (!this.session) this.session = (await this.readDoc(this.sessionPath, SessionDoc, 'the last session')) ?? emptySession();
    return this.session;
  }

  private async loadFolder(): Promise<FolderRun | null> {
    if (this.folder === undefined) this.folder = (await this.readDoc(this.folderPath, FolderDoc, "the folder view's last run"))?.run ?? null;
    return this.folder;
  }

  private async loadFile(abs: string): Promise<FileState | null> {
    if (!this.files.has(abs)) {
      const doc = await this.readDoc(this.filePath(abs), FileDoc, `the saved segments of ${abs}`);
      // A hash collision or a moved state folder: the file names another recording.
      this.files.set(abs, doc && doc.path === abs ? stateOf(doc) : null);
    }
    return this.files.get(abs) ?? null;
  }

  /** Reads and checks a state file; null when there is none; set aside (renamed .corrupt) when it cannot be read. */
  private async readDoc<T>(path: string, schema: { parse(v: unknown, p?: string): T }, what: string): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      this.notices.push(`${what} could not be read (${(e as Error).message}); starting without it`);
      return null;
    }
    try {
      return schema.parse(JSON.parse(text), basename(path));
    } catch (e) {
      const aside = await this.setAside(path);
      const notice = `${what} could not be read (${(e as Error).message.slice(0, 300)}); the file was set aside as ${aside} and the session goes on without it`;
      this.notices.push(notice);
      this.log(notice);
      return null;
    }
  }

  /** Renames a bad file to <name>.corrupt (or .corrupt-2, -3 … so that an earlier one is kept). */
  private async setAside(path: string): Promise<string> {
    for (let n = 1; ; n++) {
      const target = `${path}.corrupt${n === 1 ? '' : `-${n}`}`;
      const taken = await stat(target).then(
        () => true,
        () => false,
      );
      if (taken) continue;
      await rename(path, target).catch(() => {});
      return target;
    }
  }

  private async writeSession(doc: SessionDoc): Promise<void> {
    await this.write(this.sessionPath, doc);
  }

  /** Atomic, and in call order per target. */
  private write(path: string, value: unknown): Promise<void> {
    const data = JSON.stringify(value) + '\n';
    const prev = this.writes.get(path) ?? Promise.resolve();
    const next = prev
      .catch(() => {})
      .then(async () => {
        const files = join(this.dir, 'files');
        await mkdir(files, { recursive: true }).catch(async (e: unknown) => {
          throw await writeError(join(files, basename(path)), e, 'the session');
        });
        await writeFilesAtomically([{ path, data }], { what: 'the session' });
      });
    this.writes.set(path, next);
    void next.finally(() => this.writes.get(path) === next && this.writes.delete(path)).catch(() => {});
    return next;
  }
}
