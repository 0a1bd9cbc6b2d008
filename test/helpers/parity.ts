import { openSafetensors } from '../../app/checkpoint/safetensors.js';
import type { Engine } from '../../app/engine/types.js';
import { composeGroups, samePartition } from '../../app/tome/groups.js';
import { FIXTURES, featureFile, isClearCut, manifest } from './fixtures.js';

export interface CaseOutcome {
  key: string;
  clear: boolean;
  tokensMatch: boolean;
  samePartitions: boolean;
  maxLogitDiff: number;
  /** Smallest merge margin the engine reports over merged tokens and layers (Infinity if none). */
  minMergeMargin: number;
  /** The fixture's decision margin (null when nothing merges). */
  decisionMargin: number | null;
}

/** Runs every fixture case through an engine and compares with the reference ToMe forward. */
export async function runAllCases(engine: Engine): Promise<CaseOutcome[]> {
  const { cases } = await manifest();
  const ref = await openSafetensors(FIXTURES + 'tome_cases.safetensors');
  const inputs = new Map<string, Float32Array>();
  const outcomes: CaseOutcome[] = [];
  const numTokens = engine.spec.numTokens;
  for (const c of cases) {
    if (!inputs.has(c.input)) inputs.set(c.input, await (await featureFile(c.input)).readFloat(`${c.input}.input_values`));
    const res = await engine.run(inputs.get(c.input)!, 1, { schedule: c.schedule, propAttn: c.prop_attn, protectDistillation: c.protect_distillation });
    const logits = await ref.readFloat(`${c.key}.logits`);
    const refGroups = await ref.readInt(`${c.key}.groups`);
    const groups = composeGroups(res.items[0].maps, numTokens);
    const samePartitions = groups.every((g, l) => samePartition(g, refGroups.subarray(l * numTokens, (l + 1) * numTokens)));
    const expectedTokens = [...c.tokens_in_per_layer, c.final_tokens];
    outcomes.push({
      key: c.key,
      clear: isClearCut(c),
      tokensMatch: res.tokensPerLayer.length === expectedTokens.length && res.tokensPerLayer.every((t, i) => t === expectedTokens[i]),
      samePartitions,
      maxLogitDiff: Math.max(...Array.from(logits, (v, i) => Math.abs(v - res.items[0].logits[i]))),
      minMergeMargin: minMarginOfMerged(res.items[0].mergeMargins, res.items[0].mergeScores),
      decisionMargin: c.decision_margin,
    });
  }
  return outcomes;
}

export const LOGIT_TOLERANCE = 1e-3;
export const MAX_NEAR_TIE_FLIPS = 15;

function minMarginOfMerged(margins: Float32Array[], scores: Float32Array[]): number {
  let min = Infinity;
  margins.forEach((layer, l) => layer.forEach((m, i) => {
    if (!Number.isNaN(scores[l][i])) min = Math.min(min, m);
  }));
  return min;
}
