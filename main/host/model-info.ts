/** A model as the contract describes it (ModelInfo), from its folder's config files alone. */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelInfo, type ModelSourceKind } from '../../app/contract/index.js';
import { specFromConfigs, type ModelSpec } from '../../app/checkpoint/spec.js';
import { expectedTensors } from '../../app/checkpoint/weights.js';
import { framesToSeconds } from '../../app/common/units.js';
import { maxR } from '../../app/tome/schedule.js';
import { jsonSyntaxAt } from '../../app/common/describe-content.js';
import { FastAstError } from '../../app/errors.js';

/** Where a model was found: what ModelInfo says beyond the spec. */
export interface ModelPlace {
  id: string;
  name: string;
  dir: string;
  source: ModelSourceKind;
  hub: ModelInfo['hub'];
  bytes: number;
}

/** The spec from a folder's config files only (a scan must not read every checkpoint's weights). */
export async function readSpec(dir: string): Promise<ModelSpec> {
  const configPath = join(dir, 'config.json');
  const text = await readFile(configPath, 'utf8');
  let config;
  try {
    config = JSON.parse(text);
  } catch {
    // Not JSON.parse's message: it quotes the text.
    throw new FastAstError('CONFIG_INVALID', `${configPath}: invalid JSON ${jsonSyntaxAt(text) || 'somewhere in the file'}`);
  }
  let pre = null;
  try {
    pre = JSON.parse(await readFile(join(dir, 'preprocessor_config.json'), 'utf8'));
  } catch {
    /* optional */
  }
  return specFromConfigs(config, pre, dir);
}

/** Bytes of the files directly in a folder (symlinks followed, as a hub snapshot's are). */
export async function folderBytes(dir: string): Promise<number> {
  let bytes = 0;
  for (const name of await readdir(dir)) {
    const s = await stat(join(dir, name)).catch(() => undefined);
    if (s?.isFile()) bytes += s.size;
  }
  return bytes;
}

export function paramCount(spec: ModelSpec): number {
  let n = 0;
  for (const shape of expectedTensors(spec).values()) n += shape.reduce((a, b) => a * b, 1);
  return n;
}

/** A display name from a folder name: ast-tiny-esc10-cmkd → "AST tiny esc10 (distilled, CMKD)", my-ast → "my ast". */
export function folderDisplayName(folder: string): string {
  return folder
    .replace(/^ast-/, 'AST ')
    .replace(/-cmkd$/, ' (distilled, CMKD)')
    .replace(/-plain$/, ' (plain)')
    .replace(/-/g, ' ');
}

/**
 * The model's info, checked against the contract's schema: a config beyond its limits (a label
 * over 256 characters, more than 256 layers …) throws here, at scan, so that it is skipped
 * with a reason instead of breaking every answer that lists the models.
 */
export function modelInfo(place: ModelPlace, spec: ModelSpec): ModelInfo {
  const info: ModelInfo = {
    ...place,
    bundled: place.source === 'bundled',
    params: paramCount(spec),
    classes: spec.labels.length,
    windowS: framesToSeconds(spec.maxLength),
    note: `${spec.numLayers} layers × ${spec.hiddenSize}, ${spec.labels.length} classes, ${spec.multiLabel ? 'multi-label (sigmoid)' : 'single-label (softmax)'}`,
    labels: spec.labels,
    multiLabel: spec.multiLabel,
    numLayers: spec.numLayers,
    numTokens: spec.numTokens,
    freqPatches: spec.freqPatches,
    timePatches: spec.timePatches,
    numMelBins: spec.numMelBins,
    maxLength: spec.maxLength,
    patchSize: spec.patchSize,
    frequencyStride: spec.frequencyStride,
    timeStride: spec.timeStride,
    sampleRate: spec.features.sampleRate,
    maxR: { protect: maxR(spec, true), noProtect: maxR(spec, false) },
  };
  return ModelInfo.parse(info, `model ${place.dir}`);
}
