import type { SegmentExportInclude } from '../common/export-formats.js';
import type { Selection } from '../segments/select.js';
import type { Provenance, RecordingSegments } from '../segments/types.js';
import { appVersion } from './app-version.js';

/** Every export writes `<exported file name>.fastast.json` beside it: what it takes to reproduce the result. */
export const SIDECAR_SUFFIX = '.fastast.json';

export interface Sidecar {
  format: 'fastast-sidecar';
  version: 1;
  app: { name: 'fastast-studio'; version: string };
  /** The export format and the file (or, for clips, folder of files) this sidecar describes. */
  export: { format: string; files: string[] };
  model: { id: string; sha256: string };
  /** r per layer, as applied. */
  schedule: number[];
  propAttn: boolean;
  protectDistillation: boolean;
  windowS: number;
  hopS: number;
  threshold: number;
  selection: Selection;
  /** Which review states were written (export.ts). */
  include: SegmentExportInclude;
  recordings: { file: string; durationS: number; segments: number }[];
  /** Clips only: the rate and channels of the WAV files, and why. */
  clips?: { sampleRate: number; channels: number; note: string };
}

export function makeSidecar(
  format: string,
  files: string[],
  provenance: Provenance,
  recordings: readonly RecordingSegments[],
  selection: Selection,
  include: SegmentExportInclude,
  clips?: Sidecar['clips'],
): Sidecar {
  return {
    format: 'fastast-sidecar',
    version: 1,
    app: { name: 'fastast-studio', version: appVersion() },
    export: { format, files },
    model: { id: provenance.modelId, sha256: provenance.modelSha256 },
    schedule: provenance.schedule,
    propAttn: provenance.propAttn,
    protectDistillation: provenance.protectDistillation,
    windowS: provenance.windowS,
    hopS: provenance.hopS,
    threshold: provenance.threshold,
    selection,
    include,
    recordings: recordings.map((r) => ({ file: r.file, durationS: r.durationS, segments: r.segments.length })),
    ...(clips ? { clips } : {}),
  };
}

/** The provenance a sidecar records, for segments read back from a format that cannot carry it. */
export function sidecarProvenance(s: Sidecar): Provenance {
  return {
    modelId: s.model.id,
    modelSha256: s.model.sha256,
    schedule: s.schedule,
    propAttn: s.propAttn,
    protectDistillation: s.protectDistillation,
    windowS: s.windowS,
    hopS: s.hopS,
    threshold: s.threshold,
  };
}
