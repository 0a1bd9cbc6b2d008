import type { Provenance, RecordingSegments } from '../segments/types.js';
import { exactSeconds } from './text.js';

/**
 * Label Studio pre-annotations: one task per recording, its segments as one prediction whose
 * results have the shape FORMATS.md gives ({"type":"labels","value":{"start","end","channel":0,
 * "labels":[…]}}), for a labeling config with <Labels name="label" toName="audio"> and
 * <Audio name="audio" value="$audio"/>. `data.audio` is the path as exported; Label Studio
 * serves it once the folder is added as local storage (or the path is replaced by a URL).
 */
export interface LabelStudioResult {
  id: string;
  from_name: 'label';
  to_name: 'audio';
  type: 'labels';
  value: { start: number; end: number; channel: 0; labels: string[] };
  score?: number;
}

export interface LabelStudioTask {
  data: { audio: string };
  predictions: { model_version: string; result: LabelStudioResult[] }[];
}

const us = (x: number) => Math.round(x * 1e6) / 1e6;

export function labelStudioTasks(recordings: readonly RecordingSegments[], provenance: Provenance): LabelStudioTask[] {
  const modelVersion = `${provenance.modelId}@${provenance.modelSha256.slice(0, 12)}`;
  let n = 0;
  return recordings.map((rec) => ({
    data: { audio: rec.file },
    predictions: [
      {
        model_version: modelVersion,
        result: rec.segments.map((s): LabelStudioResult => ({
          // Label Studio keeps region ids short; ours (path#label@ms) would only be noise there.
          id: `fastast-${++n}`,
          from_name: 'label',
          to_name: 'audio',
          type: 'labels',
          value: { start: exactSeconds(s.startS), end: exactSeconds(s.endS), channel: 0, labels: [s.label] },
          ...(s.maxScore === null ? {} : { score: us(s.maxScore) }),
        })),
      },
    ],
  }));
}

export function writeLabelStudio(recordings: readonly RecordingSegments[], provenance: Provenance): string {
  return JSON.stringify(labelStudioTasks(recordings, provenance), null, 2) + '\n';
}
