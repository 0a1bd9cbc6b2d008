/** segments.export and segments.import: app/export behind the host's path rules. */
import { selectionFromWire, type Params, type Provenance, type Result } from '../../app/contract/index.js';
import { decodeAudioFile } from '../../app/audio/decode.js';
import { exportSegments, type ClipAudio } from '../../app/export/export.js';
import { importSegments } from '../../app/export/import.js';
import { hostPath, PathRules, requireFolder } from './host-paths.js';

/**
 * Writes the export into an existing folder. Segments that carry no provenance take the request's,
 * else the first segment's, else `fallback` (the active model at r = 0).
 */
export async function exportSegmentFiles(
  params: Params<'segments.export'>,
  fallback: () => Provenance,
  paths = new PathRules(),
): Promise<Result<'segments.export'>> {
  const { format, outDir, recordings, provenance, selection, combined, overwrite, include, audacityReview } = params;
  const dir = await paths.confine(hostPath(outDir, 'output folder', 'EXPORT_FAILED'), 'output folder');
  // Clips decode the recordings: they are reads like file.open.
  if (format === 'clips') for (const r of recordings) await paths.confine(hostPath(r.file, 'recording'), 'recording');
  await requireFolder(dir, 'output folder');
  const prov = provenance ?? recordings.flatMap((r) => r.segments).find((s) => s.provenance)?.provenance ?? fallback();
  const res = await exportSegments({
    format,
    recordings,
    outDir: dir,
    provenance: prov,
    selection: selectionFromWire(selection),
    combined,
    overwrite,
    include,
    audacityReview,
    ...(paths.root ? { checkCreated: paths.checkCreated('output folder'), loadAudio: (file: string) => confinedAudio(file, paths) } : {}),
  });
  return { outDir: dir, files: res.files, segments: res.segments };
}

export async function importSegmentFile({ path, format, file }: Params<'segments.import'>, paths = new PathRules()): Promise<Result<'segments.import'>> {
  const source = await paths.confine(hostPath(path, 'file'), 'file to import');
  // Read through handles checked against the root: the file, and the sidecar beside it.
  const openFile = async (p: string) => (await paths.openRead(p, 'file to import')).handle;
  const recordings = await importSegments(source, { ...(format ? { format } : {}), ...(file ? { file } : {}), openFile });
  return { recordings };
}

/** A recording for clips under serve --root: decoded through a handle checked to lie inside the root. */
async function confinedAudio(file: string, paths: PathRules): Promise<ClipAudio> {
  const { path, handle } = await paths.openRead(hostPath(file, 'recording'), 'recording');
  try {
    const a = await decodeAudioFile(path, { keepSourceRate: true, handle });
    return { samples: a.samples, sampleRate: a.sampleRate, sourceSampleRate: a.sourceSampleRate };
  } finally {
    await handle.close();
  }
}
