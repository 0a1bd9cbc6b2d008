/**
 * The contract between the UI (renderer/) and a host (main/: Electron's utility process or
 * `serve`): every request, response and event, as types plus runtime validators, and the one
 * wire format both transports use. Import it from here; the files behind it are split by concern.
 *
 * Import rule: the renderer bundles this folder, so a file here may import only
 *   - other files of app/contract,
 *   - app/common (no imports of its own),
 *   - app/segments (pure TypeScript: segment types, segments from windows, selection, edits),
 * and nothing that touches Node (fs, path, Buffer), the DOM or onnxruntime. A module joins that
 * list only if it, too, imports nothing else. The app may import the contract's types, so that
 * a shape on the wire is written once, as a schema.
 */

export { ERROR_CODES, FastAstError, isFastAstError, type ErrorCode } from '../common/errors.js';
// The name the contract's validators' callers know; the same class.
export { FastAstError as ContractError } from '../common/errors.js';
export { SCHEDULE_SHAPES, type ScheduleShape as ScheduleShapeName } from '../common/schedule.js';
export { WEIGHTS_PRECISIONS, type WeightsPrecision } from '../common/weights.js';
export {
  COMBINABLE_EXPORT_FORMATS,
  DEFAULT_EXPORT_INCLUDE,
  INCLUDED_REVIEWS,
  SEGMENT_EXPORT_FORMATS,
  SEGMENT_EXPORT_INCLUDES,
  SEGMENT_IMPORT_FORMATS,
  type SegmentExportFormat,
  type SegmentExportInclude,
  type SegmentImportFormat,
} from '../common/export-formats.js';
export { AUDIO_EXTENSIONS, isAudioFileName } from '../common/audio-extensions.js';

export { s, type Infer, type ObjectSchema, type Schema } from './schema.js';
export { decodeFrame, encodeFrame } from './codec.js';
export { PROTOCOL_VERSION, type Envelope } from './protocol.js';
export { events, parseEvent, type EventData, type EventName, type Events } from './events.js';
export { isMethod, methods, parseParams, parseResult, type Method, type Methods, type Params, type Result } from './methods.js';
export { DEFAULT_MERGE, MergeParams } from './fields.js';

export { EngineInfo, ImportOverrides, ImportReport, LabelEntry, MODEL_SOURCES, ModelInfo, ScheduleTable, SkippedModel, type ModelSourceKind } from './methods-models.js';
export { FileInfo, FsEntry } from './methods-files.js';
export { AnalysisProvenance, AnalysisResult, ComparisonView, LabelScoreSchema, RunView, SpeedView, WindowInput, type LabelScoreView } from './methods-analysis.js';
export { ProvenanceWire, RecordingWire, SegmentWire, selectionFromWire, SelectionWire } from './methods-segments.js';
export {
  FileSettings,
  FileState,
  FileStateInput,
  FolderRun,
  FolderRunFile,
  FolderRunSettings,
  MAX_FOLDER_FILES,
  MAX_FOLDER_RUN_BYTES,
  MAX_RECENT_FILES,
  MAX_SAVED_SEGMENTS,
  MAX_SAVED_UNDO,
  MAX_VIEW_STATE_BYTES,
  RecentFile,
  SavedUndo,
  SessionInput,
  ViewState,
} from './methods-session.js';
export {
  LAB_EXPORT_FORMATS,
  LAB_PROP_ATTN,
  LAB_WEIGHTS,
  LabChangedClip,
  LabClassResult,
  LabResult,
  LabRow,
  LabSweepParams,
  LabTiming,
  type LabExportFormat,
} from './methods-lab.js';

// app/segments, re-exported so that the renderer edits segments with the same model the host
// exports, while importing only the contract.
export {
  ALL,
  byTime,
  canRedo,
  canUndo,
  editSegments,
  initialEditState,
  redoLabel,
  segmentsFromWindows,
  selectSegments,
  undoLabel,
  UNDO_LIMIT,
} from '../segments/index.js';
export type {
  EditAction,
  EditKind,
  EditState,
  NewSegment,
  Provenance,
  RecordingSegments,
  ReviewStatus,
  ScoredWindow,
  Segment,
  SegmentSource,
  Selection,
} from '../segments/index.js';
