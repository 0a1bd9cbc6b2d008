import type { Provenance, RecordingSegments, ReviewStatus, Segment } from '../segments/types.js';
import { appVersion } from './app-version.js';
import { importError } from './imported.js';
import { exactSeconds } from './text.js';
import { jsonSyntaxAt } from '../common/describe-content.js';

/**
 * FastAST's own segments JSON: every field of every segment, so it reads back exactly (review
 * state, scores, provenance, ids). The other formats keep what their tools can show.
 */
export const SEGMENTS_JSON_FORMAT = 'fastast-segments';
export const SEGMENTS_JSON_VERSION = 1;

export interface SegmentsJson {
  format: typeof SEGMENTS_JSON_FORMAT;
  version: typeof SEGMENTS_JSON_VERSION;
  app: { name: 'fastast-studio'; version: string };
  recordings: RecordingSegments[];
}

export function writeSegmentsJson(recordings: readonly RecordingSegments[]): string {
  const doc: SegmentsJson = {
    format: SEGMENTS_JSON_FORMAT,
    version: SEGMENTS_JSON_VERSION,
    app: { name: 'fastast-studio', version: appVersion() },
    // Times as exact milliseconds (text.ts): 51.2, not the float32 51.200000762939453.
    recordings: recordings.map((r) => ({
      file: r.file,
      durationS: r.durationS,
      segments: r.segments.map((s) => ({ ...s, startS: exactSeconds(s.startS), endS: exactSeconds(s.endS) })),
    })),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const REVIEW: readonly ReviewStatus[] = ['accepted', 'rejected', 'unreviewed'];

/** Reads our JSON back, checking each field, so that a hand-edited file fails with the field named. */
export function readSegmentsJson(text: string, path: string): RecordingSegments[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // Only where: the parser's own message quotes the text around the fault, and an error must not show a file's contents.
    const at = jsonSyntaxAt(text);
    throw importError(path, null, `not valid JSON${at ? ` ${at}` : ''}`);
  }
  if (!isObject(doc) || doc.format !== SEGMENTS_JSON_FORMAT) throw importError(path, null, `not a FastAST segments file ("format": "${SEGMENTS_JSON_FORMAT}" missing)`);
  if (doc.version !== SEGMENTS_JSON_VERSION) throw importError(path, null, `version ${typeof doc.version === 'number' ? doc.version : JSON.stringify(typeof doc.version)} is not supported (this app reads version ${SEGMENTS_JSON_VERSION})`);
  if (!Array.isArray(doc.recordings)) throw importError(path, null, '"recordings" must be an array');
  return doc.recordings.map((r, i) => {
    const where = `recordings[${i}]`;
    if (!isObject(r) || !Array.isArray(r.segments)) throw importError(path, null, `${where}: needs "file", "durationS" and a "segments" array`);
    return {
      file: str(r, 'file', path, where),
      durationS: number(r, 'durationS', path, where),
      segments: r.segments.map((s, k) => readSegment(s, path, `${where}.segments[${k}]`)),
    };
  });
}

function readSegment(s: unknown, path: string, where: string): Segment {
  if (!isObject(s)) throw importError(path, null, `${where}: must be an object`);
  const source = s.source;
  if (source !== 'model' && source !== 'user') throw importError(path, null, `${where}.source: must be "model" or "user"`);
  if (!REVIEW.includes(s.review as ReviewStatus)) throw importError(path, null, `${where}.review: must be one of ${REVIEW.join(', ')}`);
  const out: Segment = {
    id: str(s, 'id', path, where),
    file: str(s, 'file', path, where),
    label: str(s, 'label', path, where),
    startS: number(s, 'startS', path, where),
    endS: number(s, 'endS', path, where),
    maxScore: s.maxScore === null ? null : number(s, 'maxScore', path, where),
    meanScore: s.meanScore === null ? null : number(s, 'meanScore', path, where),
    source,
    review: s.review as ReviewStatus,
  };
  if (s.provenance !== undefined) out.provenance = readProvenance(s.provenance, path, `${where}.provenance`);
  if (s.lowHz !== undefined || s.highHz !== undefined) {
    out.lowHz = number(s, 'lowHz', path, where);
    out.highHz = number(s, 'highHz', path, where);
  }
  return out;
}

export function readProvenance(p: unknown, path: string, where: string): Provenance {
  if (!isObject(p)) throw importError(path, null, `${where}: must be an object`);
  const schedule = p.schedule;
  if (!Array.isArray(schedule) || !schedule.every((r) => Number.isInteger(r))) throw importError(path, null, `${where}.schedule: must be a list of integers (r per layer)`);
  return {
    modelId: str(p, 'modelId', path, where),
    modelSha256: str(p, 'modelSha256', path, where),
    schedule: schedule as number[],
    propAttn: bool(p, 'propAttn', path, where),
    protectDistillation: bool(p, 'protectDistillation', path, where),
    windowS: number(p, 'windowS', path, where),
    hopS: number(p, 'hopS', path, where),
    threshold: number(p, 'threshold', path, where),
  };
}

function str(o: Json, key: string, path: string, where: string): string {
  if (typeof o[key] !== 'string') throw importError(path, null, `${where}.${key}: must be a string`);
  return o[key] as string;
}

function number(o: Json, key: string, path: string, where: string): number {
  if (typeof o[key] !== 'number' || !Number.isFinite(o[key])) throw importError(path, null, `${where}.${key}: must be a number`);
  return o[key] as number;
}

function bool(o: Json, key: string, path: string, where: string): boolean {
  if (typeof o[key] !== 'boolean') throw importError(path, null, `${where}.${key}: must be true or false`);
  return o[key] as boolean;
}
