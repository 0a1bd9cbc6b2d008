/**
 * Sessions: the work a user must never lose, kept by the host in its state folder and written
 * atomically on every save, so that a page reload, a switch to another file, a crash or a
 * `kill -9` of the host leaves it in place. Per recording (keyed by its path, and checked
 * against the file's size and mtime): the segment list with its reviews, the undo history, the
 * analysis settings and the renderer's view state. Per host: the files that were open, the
 * active one, the recent files, and the folder view's last run (its list, counts and settings;
 * each finished file's segments are in that recording's own state). There is no "save?" step: the UI saves as it goes
 * (debounced), the host keeps the last save.
 */
import type { EditKind } from '../segments/index.js';
import { count, empty, MergeParams, path } from './fields.js';
import { SegmentWire } from './methods-segments.js';
import { invalid, s, type Infer, type MethodTable, type Schema } from './schema.js';

/** The renderer's own view state, opaque to the host: JSON, at most this many bytes as text. */
export const MAX_VIEW_STATE_BYTES = 64 * 1024;
/** Segments in one recording's saved list (and in each undo step). */
export const MAX_SAVED_SEGMENTS = 100_000;
/** Undo and redo steps kept in a saved state (the editor keeps more in memory: UNDO_LIMIT). */
export const MAX_SAVED_UNDO = 100;
/** Recent files kept and listed. */
export const MAX_RECENT_FILES = 20;
/** Audio files in one folder run (a walk that runs away, say a home folder, stops here). */
export const MAX_FOLDER_FILES = 5000;
/** A saved folder run as JSON text: 5000 files with paths of ~700 characters each still fit. */
export const MAX_FOLDER_RUN_BYTES = 4 * 1024 * 1024;

/**
 * Any JSON object the renderer wants back as it was (zoom, scroll, panel sizes, tabs…), bounded
 * so that a bug cannot grow the state file without end. Typed fields below are the ones the host
 * or another client reads; everything else goes here.
 */
export const ViewState: Schema<Record<string, unknown>> = {
  kind: 'object',
  parse(v, p = '') {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || ArrayBuffer.isView(v)) throw invalid(`${p}: expected a JSON object`);
    let text: string;
    try {
      text = JSON.stringify(v);
    } catch (e) {
      throw invalid(`${p}: not JSON (${(e as Error).message})`);
    }
    const bytes = new TextEncoder().encode(text).length;
    if (bytes > MAX_VIEW_STATE_BYTES) throw invalid(`${p}: ${bytes} bytes of view state; at most ${MAX_VIEW_STATE_BYTES}`);
    // A copy through JSON: what is stored is what a reload gets, nothing that JSON would drop.
    return JSON.parse(text) as Record<string, unknown>;
  },
};

/** The analysis and view settings of one recording that the UI restores with it. */
export const FileSettings = s.object({
  hopS: s.number({ min: 0.1, max: 3600 }),
  threshold: s.number({ min: 0, max: 1 }),
  merge: MergeParams,
  /** The label filter of the analysis bar; absent = every label. */
  labels: s.optional(s.array(s.string({ min: 1, max: 1024 }), { max: 100_000 })),
  /** The merge view's layer (0 = the input, numLayers = after the last one). */
  layer: s.optional(count),
  /** The spectrograms' colour map, by the renderer's name for it. */
  colourMap: s.optional(s.string({ max: 64 })),
});
export type FileSettings = Infer<typeof FileSettings>;

const EDIT_KINDS = ['add', 'delete', 'resize', 'relabel', 'review'] as const satisfies readonly EditKind[];
const savedSegments = s.array(SegmentWire, { max: MAX_SAVED_SEGMENTS });

/** app/segments' undo history (EditState less its current list), the most recent steps. */
export const SavedUndo = s.object({
  past: s.array(s.object({ what: s.enum(EDIT_KINDS), segments: savedSegments }), { max: MAX_SAVED_UNDO }),
  future: s.array(s.object({ what: s.enum(EDIT_KINDS), segments: savedSegments }), { max: MAX_SAVED_UNDO }),
  nextUserId: s.number({ int: true, min: 1 }),
});
export type SavedUndo = Infer<typeof SavedUndo>;

/** What the UI saves for one recording. */
export const FileStateInput = s.object({
  /** The recording (FileInfo.path). */
  path,
  segments: savedSegments,
  /** The list was edited since the analysis made it (the threshold no longer rebuilds it). */
  edited: s.boolean(),
  undo: s.optional(SavedUndo),
  settings: s.nullable(FileSettings),
  view: s.nullable(ViewState),
});
export type FileStateInput = Infer<typeof FileStateInput>;

/** A saved recording's state as the host keeps it: the input plus the file's identity and when. */
export const FileState = s.object({
  ...FileStateInput.shape,
  /** The recording's size and mtime when saved: a changed file does not silently get old segments. */
  sizeBytes: count,
  mtimeMs: s.number({ min: 0 }),
  savedAt: s.string({ max: 64 }),
});
export type FileState = Infer<typeof FileState>;

export const RecentFile = s.object({
  path: s.string({ max: 4096 }),
  name: s.string({ max: 1024 }),
  /** ISO times; savedAt null when nothing was saved for it. */
  openedAt: s.string({ max: 64 }),
  savedAt: s.nullable(s.string({ max: 64 })),
  segments: count,
  /** Segments accepted or rejected. */
  reviewed: count,
  /** The file is still there (a recent file may have been moved or deleted). */
  exists: s.boolean(),
});
export type RecentFile = Infer<typeof RecentFile>;

/** What the host remembers beyond single files. */
export const SessionInput = s.object({
  /** Files open in the workstation, in tab order. */
  openFiles: s.array(path, { max: 64 }),
  activePath: s.nullable(path),
  /** The renderer's view state that belongs to no file (active tab, lab or workstation …). */
  view: s.nullable(ViewState),
});
export type SessionInput = Infer<typeof SessionInput>;

/** What a folder run was made with, so that Resume goes on with the same settings. */
export const FolderRunSettings = s.object({
  modelId: s.string({ min: 1, max: 1024 }),
  /** 0: one window per hop. */
  hopS: s.number({ min: 0, max: 3600 }),
  threshold: s.number({ min: 0, max: 1 }),
  /** The analysis bar's label filter text ('' = every label). */
  filter: s.string({ max: 4096 }),
  /** null: merging was off (r = 0). */
  merge: s.nullable(MergeParams),
});
export type FolderRunSettings = Infer<typeof FolderRunSettings>;

/**
 * One file of a folder run. Its segments live in the recording's own saved state (file.state.*),
 * where the workstation finds them; the run keeps the count. A file that was running when the
 * run stopped is saved as queued.
 */
export const FolderRunFile = s.object({
  path,
  state: s.enum(['queued', 'done', 'failed', 'cancelled'] as const),
  segments: count,
  /** The recording already had edited segments: the run kept them and saved nothing over them. */
  kept: s.optional(s.boolean()),
  /** Set when done: the combined export needs each recording's duration. */
  durationS: s.optional(s.number({ min: 0 })),
  error: s.optional(s.string({ max: 4096 })),
});
export type FolderRunFile = Infer<typeof FolderRunFile>;

const folderRunFields = s.object({
  dir: path,
  recursive: s.boolean(),
  /** running when saved mid-run: the page or host went away, and a restore shows it stopped. */
  status: s.enum(['running', 'cancelled', 'finished'] as const),
  /** The line the folder view shows above its list (model, r, hop, threshold). */
  settingsLine: s.string({ max: 4096 }),
  settings: FolderRunSettings,
  files: s.array(FolderRunFile, { max: MAX_FOLDER_FILES }),
});
export type FolderRun = Infer<typeof folderRunFields>;

/** The folder view's last run, bounded as JSON text so that a bug cannot grow the state folder without end. */
export const FolderRun: Schema<FolderRun> = {
  kind: 'object',
  parse(v, p = '') {
    const run = folderRunFields.parse(v, p);
    const bytes = new TextEncoder().encode(JSON.stringify(run)).length;
    if (bytes > MAX_FOLDER_RUN_BYTES) throw invalid(`${p || 'run'}: ${bytes} bytes of folder run; at most ${MAX_FOLDER_RUN_BYTES}`);
    return run;
  },
};

export const sessionMethods = {
  /**
   * The last session, to restore on start or reload: open files, the active one, view state, the
   * recent files, and `notices`: state files that could not be read (set aside as `.corrupt`).
   */
  'session.get': {
    params: empty,
    result: s.object({
      ...SessionInput.shape,
      recent: s.array(RecentFile, { max: MAX_RECENT_FILES }),
      /** The folder view's last run (null: none saved). */
      folder: s.nullable(FolderRun),
      notices: s.array(s.string({ max: 4096 }), { max: 100 }),
    }),
  },
  /** Replaces the session's open files, active file and view state (the UI debounces its calls). */
  'session.save': { params: SessionInput, result: s.object({ savedAt: s.string({ max: 64 }) }) },
  /** Replaces the folder view's saved run (null forgets it); atomic, apart from session.json (it can be ~1 MB). */
  'session.folder.save': { params: s.object({ run: s.nullable(FolderRun) }), result: s.object({ savedAt: s.string({ max: 64 }) }) },
  /** Saves one recording's segments, reviews, undo history and settings (debounced by the UI); atomic. */
  'file.state.save': { params: FileStateInput, result: s.object({ savedAt: s.string({ max: 64 }) }) },
  /**
   * The saved state of a recording. `match`: same (the file's size and mtime are as saved:
   * restore it), changed (the file changed since: ask before restoring), none (nothing saved).
   * `notice` says why a state file was set aside.
   */
  'file.state.get': {
    params: s.object({ path }),
    result: s.object({ state: s.nullable(FileState), match: s.enum(['same', 'changed', 'none'] as const), notice: s.nullable(s.string({ max: 4096 })) }),
  },
  /** Recently opened files, newest first, with what was saved for each (the welcome screen's list). */
  'recent.list': { params: empty, result: s.object({ files: s.array(RecentFile, { max: MAX_RECENT_FILES }) }) },
} satisfies MethodTable;
