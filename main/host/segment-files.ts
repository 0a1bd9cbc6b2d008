/** segments.export and segments.import: app/export behind the host's path rules. */
import { selectionFromWire, type Params, type Provenance, type Result } from '../../app/contract/index.js';
import { exportSegments } from '../../app/export/export.js';
import { importSegments } from '../../app/export/import.js';
import { hostPath, requireFolder } from './host-paths.js';

/**
 * Writes the export into an existing folder. Segments that carry no provenance take the request's,
 * else the first segment's, else `fallback` (the active model at r = 0).
 */
export async function exportSegmentFiles(params: Params<'segments.export'>, fallback: () => Provenance): Promise<Result<'segments.export'>> {
  const { format, outDir, recordings, provenance, selection, combined, include, audacityReview } = params;
  const dir = hostPath(outDir, 'output folder', 'EXPORT_FAILED');
  await requireFolder(dir, 'output folder');
  const prov = provenance ?? recordings.flatMap((r) => r.segments).find((s) => s.provenance)?.provenance ?? fallback();
  const res = await exportSegments({ format, recordings, outDir: dir, provenance: prov, selection: selectionFromWire(selection), combined, include, audacityReview });
  return { outDir: dir, files: res.files, segments: res.segments };
}

export async function importSegmentFile({ path, format, file }: Params<'segments.import'>): Promise<Result<'segments.import'>> {
  const recordings = await importSegments(hostPath(path, 'file'), { ...(format ? { format } : {}), ...(file ? { file } : {}) });
  return { recordings };
}
