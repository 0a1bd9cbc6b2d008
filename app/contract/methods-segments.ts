/**
 * Segments: app/segments' types on the wire, and exporting and importing them through app/export
 * on the host.
 */
import { SEGMENT_EXPORT_FORMATS, SEGMENT_EXPORT_INCLUDES, SEGMENT_IMPORT_FORMATS } from '../common/export-formats.js';
import type { Provenance, RecordingSegments, ReviewStatus, Segment, Selection } from '../segments/index.js';
import { count, path } from './fields.js';
import { AnalysisProvenance } from './methods-analysis.js';
import { s, type Infer, type MethodTable, type Schema } from './schema.js';

const REVIEW_STATES = ['accepted', 'rejected', 'unreviewed'] as const satisfies readonly ReviewStatus[];

const segmentLabel = s.string({ min: 1, max: 1024 });
const segmentFile = s.string({ min: 1, max: 4096 });

/** app/segments' Provenance: the analysis settings plus the threshold the UI applied. */
export const ProvenanceWire: Schema<Provenance> = s.object({
  ...AnalysisProvenance.shape,
  threshold: s.number({ min: 0, max: 1 }),
});

export const SegmentWire: Schema<Segment> = s.object({
  id: s.string({ min: 1, max: 8192 }),
  file: segmentFile,
  label: segmentLabel,
  startS: s.number({ min: 0 }),
  endS: s.number({ min: 0 }),
  maxScore: s.nullable(s.number()),
  meanScore: s.nullable(s.number()),
  source: s.enum(['model', 'user'] as const),
  provenance: s.optional(ProvenanceWire),
  lowHz: s.optional(s.number({ min: 0 })),
  highHz: s.optional(s.number({ min: 0 })),
  review: s.enum(REVIEW_STATES),
});

export const RecordingWire: Schema<RecordingSegments> = s.object({
  file: segmentFile,
  durationS: s.number({ min: 0 }),
  segments: s.array(SegmentWire, { max: 1_000_000 }),
});

/** app/segments' Selection, flattened for the validators: `kind` says which fields count. */
export const SelectionWire = s.object({
  kind: s.enum(['all', 'ids', 'filter'] as const),
  ids: s.optional(s.array(s.string({ min: 1, max: 8192 }), { max: 1_000_000 })),
  labels: s.optional(s.array(segmentLabel, { max: 100_000 })),
  minScore: s.optional(s.number({ min: 0, max: 1 })),
  review: s.optional(s.array(s.enum(REVIEW_STATES), { max: 3 })),
});
export type SelectionWire = Infer<typeof SelectionWire>;

export function selectionFromWire(w: SelectionWire): Selection {
  if (w.kind === 'all') return { kind: 'all' };
  if (w.kind === 'ids') return { kind: 'ids', ids: w.ids ?? [] };
  return {
    kind: 'filter',
    ...(w.labels ? { labels: w.labels } : {}),
    ...(w.minScore !== undefined ? { minScore: w.minScore } : {}),
    ...(w.review ? { review: w.review } : {}),
  };
}

export const segmentMethods = {
  /**
   * Writes segments in one format (app/export) into an existing folder on the host, with the
   * sidecar, only the review states `include` names (rejected segments are left out unless
   * include is "all"); all-or-nothing: a failure (EXPORT_FAILED) names the path and the reason and leaves
   * no file. `provenance` null: taken from the segments, else the active model at r = 0.
   */
  'segments.export': {
    params: s.object({
      format: s.enum(SEGMENT_EXPORT_FORMATS),
      outDir: path,
      recordings: s.array(RecordingWire, { min: 1, max: 10_000 }),
      provenance: s.nullable(ProvenanceWire),
      selection: SelectionWire,
      combined: s.optional(s.boolean()),
      /** Replace files that exist; without it an existing target fails EXISTS, the error's `paths` naming them, and nothing is written. */
      overwrite: s.optional(s.boolean()),
      /** Review states written (after `selection`): not-rejected (default: accepted + unreviewed), accepted, all. */
      include: s.optional(s.enum(SEGMENT_EXPORT_INCLUDES)),
      /** audacity: review and score as a label suffix, "dog [accepted 0.9123]". */
      audacityReview: s.optional(s.boolean()),
    }),
    result: s.object({ outDir: s.string({ max: 4096 }), files: s.array(s.string({ max: 4096 }), { max: 1_000_000 }), segments: count }),
  },
  /** Reads Audacity labels, a Raven table or our JSON back into segments (`file`: the recording, where the file does not name it). */
  'segments.import': {
    params: s.object({ path, format: s.optional(s.enum(SEGMENT_IMPORT_FORMATS)), file: s.optional(path) }),
    result: s.object({ recordings: s.array(RecordingWire, { max: 10_000 }) }),
  },
  /** The lab's starting points: the bundled labelled set (when present) and where results are cached. */
} satisfies MethodTable;
