import { join } from 'node:path';
import { FastAstError } from '../errors.js';
import { LABELS_DIR, readLabelCsv, RECIPES } from './label-lists.js';
import { convOutputSize, specFromConfigs, type ModelSpec } from './spec.js';
import type { TorchStateDict } from './torch-state-dict.js';
import { EMBEDDING_NAMES as E, expectedTensors, layerWeightNames, type Weights } from './weights.js';

/**
 * Checkpoints of the original AST code and the FastAST release (`src/models/ast_models.py`,
 * saved with torch.save): timm DeiT names (`v.cls_token`, `v.blocks.N.attn.qkv`, …) under an
 * optional `module.` (DataParallel), `mlp_head.0` LayerNorm + `mlp_head.1` Linear. No config
 * travels with them: what the weights determine is read from their shapes, the rest is the AST
 * recipes' default, overridable, and every assumption is reported.
 */

/** What the weights cannot tell; each undefined field takes the recipe default. */
export interface OriginalImportOptions {
  heads?: number;
  fstride?: number;
  tstride?: number;
  inputTdim?: number;
  /** A label CSV (index,mid,display_name); default: the recipe list for the class count. */
  labelsCsv?: string;
  mean?: number;
  std?: number;
}

export interface OriginalImport {
  /** HF ASTForAudioClassification config.json and ASTFeatureExtractor preprocessor_config.json. */
  config: Record<string, unknown>;
  preprocessor: Record<string, unknown>;
  spec: ModelSpec;
  /** Weights under HF names (the q, k, v rows are views into the fused qkv tensors). */
  weights: Weights;
  /** "hidden size 768 (v.cls_token)"-style lines: read from the weights. */
  inferred: string[];
  /** Defaults taken where the weights say nothing, with the flag that overrides each. */
  assumed: string[];
}

const MEL_BINS = 128; // input_fdim of every AST recipe
const DEFAULT_STRIDE = 10;
/** Recipe input lengths by time-patch count at stride 10 / patch 16 (AudioSet & ESC-50, 5.12 s, Speech Commands). */
const RECIPE_TDIM: Record<number, number> = { 101: 1024, 50: 512, 12: 128 };
const ENCODER_EPS = 1e-6; // timm's LayerNorm in the DeiT blocks and v.norm
const HEAD_EPS = 1e-5; // torch.nn.LayerNorm's default in mlp_head.0

/** The `module.` / '' prefix when the names are the original layout, else undefined. */
export function originalLayoutPrefix(names: Iterable<string>): string | undefined {
  for (const n of names) {
    if (n === 'v.cls_token') return '';
    if (n === 'module.v.cls_token') return 'module.';
  }
  return undefined;
}

/** HF name → original name (and, for q/k/v, which third of the fused qkv rows). */
function nameMap(layers: number): Map<string, { src: string; third?: number }> {
  const m = new Map<string, { src: string; third?: number }>([
    [E.cls, { src: 'v.cls_token' }], [E.dist, { src: 'v.dist_token' }], [E.pos, { src: 'v.pos_embed' }],
    [E.patchW, { src: 'v.patch_embed.proj.weight' }], [E.patchB, { src: 'v.patch_embed.proj.bias' }],
    [E.lnW, { src: 'v.norm.weight' }], [E.lnB, { src: 'v.norm.bias' }],
    [E.headLnW, { src: 'mlp_head.0.weight' }], [E.headLnB, { src: 'mlp_head.0.bias' }],
    [E.headW, { src: 'mlp_head.1.weight' }], [E.headB, { src: 'mlp_head.1.bias' }],
  ]);
  for (let i = 0; i < layers; i++) {
    const n = layerWeightNames(i);
    const b = `v.blocks.${i}`;
    const pairs: [string, string][] = [
      [n.ln1W, 'norm1.weight'], [n.ln1B, 'norm1.bias'], [n.oW, 'attn.proj.weight'], [n.oB, 'attn.proj.bias'],
      [n.ln2W, 'norm2.weight'], [n.ln2B, 'norm2.bias'], [n.fc1W, 'mlp.fc1.weight'], [n.fc1B, 'mlp.fc1.bias'],
      [n.fc2W, 'mlp.fc2.weight'], [n.fc2B, 'mlp.fc2.bias'],
    ];
    for (const [hf, src] of pairs) m.set(hf, { src: `${b}.${src}` });
    [[n.qW, n.qB], [n.kW, n.kB], [n.vW, n.vB]].forEach(([w, bias], third) => {
      m.set(w, { src: `${b}.attn.qkv.weight`, third });
      m.set(bias, { src: `${b}.attn.qkv.bias`, third });
    });
  }
  return m;
}

const fmt = (shape: number[]) => `[${shape.join(', ')}]`;

/** Infers the geometry, builds config + spec, checks every tensor's shape, then reads the weights. */
export async function importOriginalAst(sd: TorchStateDict, options: OriginalImportOptions = {}): Promise<OriginalImport> {
  const prefix = originalLayoutPrefix(sd.tensors.keys());
  if (prefix === undefined) {
    const hf = [...sd.tensors.keys()].some((n) => n.startsWith('audio_spectrogram_transformer.'));
    throw new FastAstError(
      'CHECKPOINT_INVALID',
      hf
        ? `${sd.path}: HF AST tensor names; open the folder that holds it with its config.json instead of the file`
        : `${sd.path}: no v.cls_token: not a checkpoint of the original AST / FastAST code`,
    );
  }
  const inferred: string[] = [];
  const assumed: string[] = [];
  const shape = inferShape(sd, prefix, inferred);
  const grid = chooseGrid(sd.path, shape, options, assumed);
  const { labels, mean, std } = await chooseLabelsAndStats(shape.classes, options, assumed);
  const config = hfConfig({ ...shape, ...grid, labels });
  const preprocessor = hfPreprocessorConfig(grid.inputTdim, mean, std);
  const spec = specFromConfigs(config, preprocessor, sd.path);
  const weights = await readMapped(sd, prefix, spec);
  return { config, preprocessor, spec, weights, inferred, assumed };
}

interface WeightShape {
  hidden: number; layers: number; mlp: number; patch: number; classes: number;
  /** Patch tokens (position embeddings less cls and distillation). */
  patches: number;
}

/** What the tensor shapes determine. */
function inferShape(sd: TorchStateDict, prefix: string, inferred: string[]): WeightShape {
  const dim = (name: string, axis: number, rank: number, why: string): number => {
    const t = sd.tensors.get(prefix + name);
    if (!t) throw new FastAstError('CHECKPOINT_TENSOR', `${sd.path}: tensor ${prefix}${name} is missing (needed for ${why})`);
    if (t.shape.length !== rank) throw new FastAstError('CHECKPOINT_TENSOR', `${sd.path}: tensor ${prefix}${name} has shape ${fmt(t.shape)}; expected ${rank} dimensions (${why})`);
    return t.shape[axis];
  };
  const hidden = dim('v.cls_token', 2, 3, 'the hidden size');
  const patch = dim('v.patch_embed.proj.weight', 2, 4, 'the patch size');
  let layers = 0;
  while (sd.tensors.has(`${prefix}v.blocks.${layers}.norm1.weight`)) layers++;
  if (layers === 0) throw new FastAstError('CHECKPOINT_TENSOR', `${sd.path}: tensor ${prefix}v.blocks.0.norm1.weight is missing (no transformer blocks)`);
  const mlp = dim('v.blocks.0.mlp.fc1.weight', 0, 2, 'the MLP size');
  const classes = dim('mlp_head.1.weight', 0, 2, 'the label count');
  const patches = dim('v.pos_embed', 1, 3, 'the patch count') - 2;
  inferred.push(`hidden size ${hidden}, ${layers} layers, MLP ${mlp}, patch ${patch}×${patch} (from the block shapes)`);
  inferred.push(`${classes} labels (mlp_head.1), ${patches} patches (v.pos_embed, less cls and distillation tokens)`);
  return { hidden, layers, mlp, patch, classes, patches };
}

/** Heads, strides and input length: recipe defaults unless given, checked against the patch count. */
function chooseGrid(where: string, w: WeightShape, options: OriginalImportOptions, assumed: string[]) {
  const heads = options.heads ?? w.hidden / 64;
  if (options.heads === undefined) {
    if (!Number.isInteger(heads)) throw new FastAstError('USAGE', `${where}: hidden size ${w.hidden} is not a multiple of 64; give the head count with --heads`);
    assumed.push(`${heads} attention heads = hidden / 64, as in every DeiT size (--heads)`);
  }
  const fstride = options.fstride ?? DEFAULT_STRIDE;
  const tstride = options.tstride ?? DEFAULT_STRIDE;
  if (options.fstride === undefined || options.tstride === undefined) assumed.push(`strides ${fstride}/${tstride} (frequency/time), the AST recipes' (--fstride, --tstride)`);
  const freqPatches = convOutputSize(MEL_BINS, w.patch, fstride);
  if (w.patches % freqPatches !== 0) {
    throw new FastAstError('USAGE', `${where}: ${w.patches} patches are not a whole number of time steps of ${freqPatches} frequency patches (128 mel bins, frequency stride ${fstride}); give --fstride`);
  }
  const timePatches = w.patches / freqPatches;
  let inputTdim = options.inputTdim;
  if (inputTdim === undefined) {
    const recipe = tstride === DEFAULT_STRIDE && w.patch === 16 ? RECIPE_TDIM[timePatches] : undefined;
    inputTdim = recipe ?? (timePatches - 1) * tstride + w.patch;
    assumed.push(
      recipe !== undefined
        ? `${inputTdim} input frames: the recipe length that gives ${timePatches} time patches (--input-tdim)`
        : `${inputTdim} input frames: the shortest that gives ${timePatches} time patches at stride ${tstride}; no AST recipe matches, check it (--input-tdim)`,
    );
  }
  const got = convOutputSize(inputTdim, w.patch, tstride);
  if (got !== timePatches) throw new FastAstError('USAGE', `${where}: ${inputTdim} frames at time stride ${tstride} give ${got} time patches; the weights have ${timePatches}`);
  return { heads, fstride, tstride, inputTdim };
}

/** Label names and fbank statistics: given, else the recipe with this class count, else said to be unknown. */
async function chooseLabelsAndStats(classes: number, options: OriginalImportOptions, assumed: string[]) {
  const recipe = RECIPES.find((r) => r.classes === classes);
  let labels: string[];
  if (options.labelsCsv !== undefined) {
    labels = await readLabelCsv(options.labelsCsv);
    if (labels.length !== classes) throw new FastAstError('USAGE', `${options.labelsCsv}: ${labels.length} labels; the checkpoint has ${classes} outputs`);
  } else if (recipe) {
    labels = await readLabelCsv(join(LABELS_DIR, recipe.labelFile));
    assumed.push(`labels: the ${recipe.name} list (data/labels/${recipe.labelFile}), by the class count ${classes} (--labels CSV)`);
  } else {
    labels = Array.from({ length: classes }, (_, i) => `class_${i}`);
    assumed.push(`labels: class_0 … class_${classes - 1}; no recipe has ${classes} classes: name them with --labels CSV`);
  }
  const stats = recipe ?? RECIPES[0];
  const mean = options.mean ?? stats.mean;
  const std = options.std ?? stats.std;
  if (options.mean === undefined || options.std === undefined) {
    assumed.push(`normalisation mean ${mean}, std ${std}: the ${stats.name} recipe's${recipe ? '' : ' (no recipe matches the class count)'} (--mean, --std)`);
  }
  return { labels, mean, std };
}

/** Checks every source tensor's shape against the spec before reading any, then reads them under HF names. */
async function readMapped(sd: TorchStateDict, prefix: string, spec: ModelSpec): Promise<Weights> {
  const map = nameMap(spec.numLayers);
  const expected = expectedTensors(spec);
  for (const [hf, shape] of expected) {
    const { src, third } = map.get(hf)!;
    const t = sd.tensors.get(prefix + src);
    const want = third === undefined ? shape : [3 * shape[0], ...shape.slice(1)];
    if (!t) throw new FastAstError('CHECKPOINT_TENSOR', `${sd.path}: tensor ${prefix}${src} is missing (expected shape ${fmt(want)})`);
    if (t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i])) {
      throw new FastAstError('CHECKPOINT_TENSOR', `${sd.path}: tensor ${prefix}${src} has shape ${fmt(t.shape)}, expected ${fmt(want)} from the inferred geometry`);
    }
  }
  const weights: Weights = new Map();
  for (const [hf, shape] of expected) {
    const { src, third } = map.get(hf)!;
    const full = await sd.readFloat(prefix + src);
    if (third === undefined) weights.set(hf, full);
    else {
      const n = shape.reduce((a, b) => a * b, 1); // rows [third·D, (third+1)·D) of [query; key; value]
      weights.set(hf, full.subarray(third * n, (third + 1) * n));
    }
  }
  return weights;
}

interface Geometry {
  hidden: number; layers: number; heads: number; mlp: number; patch: number;
  fstride: number; tstride: number; inputTdim: number; labels: string[];
}

/** config.json of HF ASTForAudioClassification, plus the head eps that HF's single layer_norm_eps cannot carry. */
function hfConfig(g: Geometry): Record<string, unknown> {
  return {
    architectures: ['ASTForAudioClassification'],
    model_type: 'audio-spectrogram-transformer',
    hidden_size: g.hidden,
    num_hidden_layers: g.layers,
    num_attention_heads: g.heads,
    intermediate_size: g.mlp,
    hidden_act: 'gelu',
    hidden_dropout_prob: 0.0,
    attention_probs_dropout_prob: 0.0,
    initializer_range: 0.02,
    layer_norm_eps: ENCODER_EPS,
    classifier_layer_norm_eps: HEAD_EPS,
    patch_size: g.patch,
    qkv_bias: true,
    frequency_stride: g.fstride,
    time_stride: g.tstride,
    max_length: g.inputTdim,
    num_mel_bins: MEL_BINS,
    id2label: Object.fromEntries(g.labels.map((l, i) => [String(i), l])),
    label2id: Object.fromEntries(g.labels.map((l, i) => [l, i])),
  };
}

/** preprocessor_config.json of HF ASTFeatureExtractor. */
function hfPreprocessorConfig(maxLength: number, mean: number, std: number): Record<string, unknown> {
  return {
    feature_extractor_type: 'ASTFeatureExtractor',
    feature_size: 1,
    sampling_rate: 16000,
    num_mel_bins: MEL_BINS,
    max_length: maxLength,
    do_normalize: true,
    mean,
    std,
    padding_side: 'right',
    padding_value: 0.0,
    return_attention_mask: false,
  };
}
