/** lab.export: the sweep table (CSV / JSON, as `fastast eval --out` writes them) or the chart the UI drew (SVG / PNG). */
import { basename, dirname, extname, join } from 'node:path';
import type { LabExportFormat, Params, Result } from '../../app/contract/index.js';
import type { SweepResult } from '../../app/analysis/sweep.js';
import { evalCsv, evalJsonFile } from '../../app/cli/format.js';
import { refuseExisting, writeFilesAtomically } from '../../app/export/atomic-write.js';
import { hostPath, PathRules, requireFolder } from './host-paths.js';
import { HostError } from './rpc.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Writes one export file (the format's extension added when missing) into an existing folder.
 * `result` finds a finished sweep by id among the `kept` the host remembers.
 */
export async function writeLabExport(
  params: Params<'lab.export'>,
  result: (sweepId: string) => SweepResult | undefined,
  kept: number,
  paths = new PathRules(),
): Promise<Result<'lab.export'>> {
  const format: LabExportFormat = params.format;
  let file = hostPath(params.path, 'file to write');
  if (extname(file).toLowerCase() !== `.${format}`) file += `.${format}`;
  file = join(await paths.confine(dirname(file), 'export folder'), basename(file));
  await requireFolder(dirname(file));
  let data: string | Uint8Array;
  if (format === 'csv' || format === 'json') {
    if (!params.sweepId) throw new HostError('BAD_REQUEST', `a ${format} export needs the sweepId of a finished sweep`);
    const res = result(params.sweepId);
    if (!res) throw new HostError('BAD_REQUEST', `sweep ${params.sweepId} is not one of the host's last ${kept} results (run it again)`);
    data = format === 'csv' ? evalCsv(res) : evalJsonFile(res);
  } else if (format === 'svg') {
    if (params.svg === undefined || !/^\s*(<\?xml[^>]*>\s*)?<svg[\s>]/.test(params.svg)) throw new HostError('BAD_REQUEST', 'an svg export needs the chart as SVG text starting with <svg');
    data = params.svg;
  } else {
    const png = params.png;
    if (!png || png.length < 8 || PNG_SIGNATURE.some((b, i) => png[i] !== b)) throw new HostError('BAD_REQUEST', 'a png export needs the chart as PNG bytes');
    data = png;
  }
  if (!params.overwrite) await refuseExisting([file]);
  await writeFilesAtomically([{ path: file, data }], { checkCreated: paths.checkCreated('export folder') });
  return { path: file, bytes: typeof data === 'string' ? Buffer.byteLength(data) : data.length };
}
