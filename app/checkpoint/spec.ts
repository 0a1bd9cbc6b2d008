import { FastAstError } from '../errors.js';
import { valueKind } from '../common/describe-content.js';

/** Everything the engine needs to know about an AST checkpoint, from config.json + preprocessor_config.json. */
export interface ModelSpec {
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  numMelBins: number;
  /** Frames per model window (HF `max_length`): 1024 = 10.24 s. */
  maxLength: number;
  frequencyStride: number;
  timeStride: number;
  patchSize: number;
  layerNormEps: number;
  /**
   * eps of the classifier head's LayerNorm: HF uses layer_norm_eps everywhere; the original AST
   * code uses torch's default 1e-5 there (1e-6 in the encoder), kept as `classifier_layer_norm_eps`.
   */
  headLayerNormEps: number;
  hiddenAct: 'gelu';
  labels: string[];
  /** Sigmoid per class (AudioSet) instead of softmax. */
  multiLabel: boolean;
  features: FeatureSpec;
  /** Patch grid: rows = frequency patches (row 0 = lowest mel band), cols = time patches. */
  freqPatches: number;
  timePatches: number;
  numPatches: number;
  /** Patches + cls + distillation. */
  numTokens: number;
}

export interface FeatureSpec {
  sampleRate: number;
  numMelBins: number;
  maxLength: number;
  doNormalize: boolean;
  mean: number;
  std: number;
}

// HF ASTFeatureExtractor defaults (AudioSet statistics), used when preprocessor_config.json is absent.
const HF_FEATURE_DEFAULTS = { sampleRate: 16000, mean: -4.2677393, std: 4.5689974, doNormalize: true };
const AUDIOSET_CLASSES = 527;

type Json = Record<string, unknown>;

function int(cfg: Json, key: string, where: string, fallback?: number): number {
  const v = cfg[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new FastAstError('CONFIG_INVALID', `${where}: "${key}" must be a positive integer, got ${valueKind(cfg[key])}`);
  }
  return v;
}

function num(cfg: Json, key: string, where: string, fallback: number): number {
  const v = cfg[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new FastAstError('CONFIG_INVALID', `${where}: "${key}" must be a number, got ${valueKind(cfg[key])}`);
  }
  return v;
}

export function labelsFromConfig(cfg: Json, where: string): string[] {
  const id2label = cfg.id2label as Record<string, unknown> | undefined;
  if (!id2label || typeof id2label !== 'object' || Object.keys(id2label).length === 0) {
    throw new FastAstError('CONFIG_INVALID', `${where}: no "id2label" mapping; an AST classifier checkpoint must name its labels`);
  }
  const n = Object.keys(id2label).length;
  const labels: string[] = new Array(n);
  for (const [entry, [k, v]] of Object.entries(id2label).entries()) {
    const i = Number(k);
    if (!Number.isInteger(i) || i < 0 || i >= n || typeof v !== 'string') {
      const why = typeof v !== 'string' ? `its name is ${valueKind(v)}` : 'its key is not an index';
      throw new FastAstError('CONFIG_INVALID', `${where}: id2label entry ${entry + 1} of ${n}: ${why}; expected "0"…"${n - 1}" → a label name`);
    }
    labels[i] = v;
  }
  return labels;
}

export function convOutputSize(input: number, patch: number, stride: number): number {
  return Math.floor((input - patch) / stride) + 1;
}

/**
 * Builds the spec from parsed config.json and (optional) preprocessor_config.json.
 * `where` names the checkpoint in every error message.
 */
export function specFromConfigs(config: Json, preprocessor: Json | null, where: string): ModelSpec {
  if (config.model_type !== undefined && config.model_type !== 'audio-spectrogram-transformer') {
    throw new FastAstError('CONFIG_INVALID', `${where}: model_type is not "audio-spectrogram-transformer" (it is ${valueKind(config.model_type)}); this is no AST checkpoint`);
  }
  const act = config.hidden_act ?? 'gelu';
  if (act !== 'gelu') throw new FastAstError('CONFIG_INVALID', `${where}: hidden_act must be "gelu", the only activation supported (it is ${valueKind(act)})`);
  const hiddenSize = int(config, 'hidden_size', where);
  const numHeads = int(config, 'num_attention_heads', where);
  if (hiddenSize % numHeads !== 0) {
    throw new FastAstError('CONFIG_INVALID', `${where}: hidden_size ${hiddenSize} is not divisible by num_attention_heads ${numHeads}`);
  }
  const numMelBins = int(config, 'num_mel_bins', where, 128);
  const maxLength = int(config, 'max_length', where, 1024);
  const patchSize = int(config, 'patch_size', where, 16);
  const frequencyStride = int(config, 'frequency_stride', where, 10);
  const timeStride = int(config, 'time_stride', where, 10);
  if (maxLength < patchSize || numMelBins < patchSize) {
    throw new FastAstError('CONFIG_INVALID', `${where}: max_length ${maxLength} and num_mel_bins ${numMelBins} must be at least patch_size ${patchSize}`);
  }
  const labels = labelsFromConfig(config, where);
  const layerNormEps = num(config, 'layer_norm_eps', where, 1e-12);
  const pre = preprocessor ?? {};
  const preWhere = `${where} (preprocessor_config.json)`;
  const features: FeatureSpec = {
    sampleRate: int(pre, 'sampling_rate', preWhere, HF_FEATURE_DEFAULTS.sampleRate),
    numMelBins: int(pre, 'num_mel_bins', preWhere, numMelBins),
    maxLength: int(pre, 'max_length', preWhere, maxLength),
    doNormalize: pre.do_normalize === undefined ? HF_FEATURE_DEFAULTS.doNormalize : Boolean(pre.do_normalize),
    mean: num(pre, 'mean', preWhere, HF_FEATURE_DEFAULTS.mean),
    std: num(pre, 'std', preWhere, HF_FEATURE_DEFAULTS.std),
  };
  if (features.numMelBins !== numMelBins || features.maxLength !== maxLength) {
    throw new FastAstError(
      'CONFIG_INVALID',
      `${where}: preprocessor_config.json (num_mel_bins ${features.numMelBins}, max_length ${features.maxLength}) disagrees with config.json (${numMelBins}, ${maxLength})`,
    );
  }
  const problem = config.problem_type;
  const multiLabel =
    problem === 'multi_label_classification' ? true : problem === 'single_label_classification' ? false : labels.length === AUDIOSET_CLASSES;
  const freqPatches = convOutputSize(numMelBins, patchSize, frequencyStride);
  const timePatches = convOutputSize(maxLength, patchSize, timeStride);
  return {
    hiddenSize,
    numLayers: int(config, 'num_hidden_layers', where),
    numHeads,
    intermediateSize: int(config, 'intermediate_size', where),
    numMelBins,
    maxLength,
    frequencyStride,
    timeStride,
    patchSize,
    layerNormEps,
    headLayerNormEps: num(config, 'classifier_layer_norm_eps', where, layerNormEps),
    hiddenAct: 'gelu',
    labels,
    multiLabel,
    features,
    freqPatches,
    timePatches,
    numPatches: freqPatches * timePatches,
    numTokens: freqPatches * timePatches + 2,
  };
}
