import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLabelledSet } from '../app/analysis/labelled-set.js';
import { featuresForFile } from '../app/audio/features.js';
import { windowInput } from '../app/audio/windows.js';
import { loadCheckpoint, type Checkpoint } from '../app/checkpoint/load.js';
import { parseCli } from '../app/cli/args.js';
import { entryId } from '../app/engine/graph-cache.js';
import { createNodeEngine } from '../app/engine/node-engine.js';
import type { Engine } from '../app/engine/types.js';
import { graphOptionsFor } from '../app/graph/tome-ast.js';
import { FIXTURES, REPO, featureFile, manifest } from './helpers/fixtures.js';

/**
 * 8-bit weights (app/graph/quantize.ts) against float32 through real onnxruntime. The bounds are
 * set from measurements with some room (bench/README.md, "Speed levers"), not from hopes:
 *  - the fixtures' tiny AST, 15 inputs at r = 0: max |Δlogit| measured 0.048 with DynamicQuantizeMatMul
 *    (the CPU default) and 0.042 with MatMulNBits (all six Linear layers of each block in int8);
 *  - the bundled model on ESC-10 fold 5: see bench/README.md for the full fold; here a subset.
 */
const LOGIT_TOL = 0.1;
const FOLD5_CLIPS = 10;
const MIN_FOLD5_AGREEMENT = 9;

const argmax = (a: Float32Array) => a.reduce((best, v, i) => (v > a[best] ? i : best), 0);
const settings = (r: number, layers: number) => ({ schedule: Array<number>(layers).fill(r), propAttn: true, protectDistillation: true });

describe('int8 weights on the fixtures’ tiny AST', () => {
  let checkpoint: Checkpoint;
  const engines: Record<string, Engine> = {};
  beforeAll(async () => {
    checkpoint = await loadCheckpoint(FIXTURES + 'tiny-ast');
    engines.f32 = await createNodeEngine(checkpoint, { providers: ['cpu'] });
    engines.int8 = await createNodeEngine(checkpoint, { providers: ['cpu'], weights: 'int8' });
    engines.nbits = await createNodeEngine(checkpoint, { providers: ['cpu'], graph: { attention: 'mha', weights: 'int8', int8Kernel: 'nbits' } });
  });
  afterAll(async () => {
    for (const e of Object.values(engines)) await e.dispose();
  });

  it('runs, says it is int8, and keeps the logits within the tolerance of float32 on every fixture input at r = 0', async () => {
    expect(engines.int8.weights).toBe('int8');
    expect(engines.f32.weights).toBe('float32');
    const { inputs } = await manifest();
    const layers = checkpoint.spec.numLayers;
    const worst: Record<string, number> = {};
    for (const form of ['int8', 'nbits']) {
      worst[form] = 0;
      for (const { name } of inputs) {
        const x = await (await featureFile(name)).readFloat(`${name}.input_values`);
        const a = (await engines.f32.run(x, 1, settings(0, layers))).items[0].logits;
        const b = (await engines[form].run(x, 1, settings(0, layers))).items[0].logits;
        worst[form] = Math.max(worst[form], ...Array.from(a, (v, i) => Math.abs(v - b[i])));
      }
    }
    console.log(`tiny AST fixtures vs float32 at r = 0, max |Δlogit| over ${inputs.length} inputs: ${JSON.stringify(worst)}`);
    for (const form of ['int8', 'nbits']) {
      expect(worst[form]).toBeGreaterThan(0); // it really is another graph
      expect(worst[form]).toBeLessThan(LOGIT_TOL);
    }
  });

  it('gives a window the same results alone or in a batch, with either kernel (the CPU default runs its windows one by one; MatMulNBits quantizes per row)', async () => {
    expect(graphOptionsFor('cpu', 'int8').int8Kernel).toBe('dynamic');
    const x = await (await featureFile('real_church_bells_inspectorj_371267')).readFloat('real_church_bells_inspectorj_371267.input_values');
    const y = await (await featureFile('white_noise')).readFloat('white_noise.input_values');
    const both = new Float32Array(x.length * 2);
    both.set(x);
    both.set(y, x.length);
    const s = settings(8, checkpoint.spec.numLayers);
    for (const form of ['int8', 'nbits']) {
      const batched = await engines[form].run(both, 2, s);
      const alone = [(await engines[form].run(x, 1, s)).items[0], (await engines[form].run(y, 1, s)).items[0]];
      for (const i of [0, 1]) {
        expect(Array.from(batched.items[i].logits)).toEqual(Array.from(alone[i].logits));
        expect(batched.items[i].maps.map((m) => Array.from(m))).toEqual(alone[i].maps.map((m) => Array.from(m)));
      }
    }
  });
});

describe('int8 weights on the bundled model', () => {
  it(`agrees with float32 on top-1 in ≥ ${MIN_FOLD5_AGREEMENT} of the first ${FOLD5_CLIPS} ESC-10 fold-5 windows at r = 0 and r = 16`, { timeout: 600_000 }, async () => {
    const checkpoint = await loadCheckpoint(join(REPO, 'models/ast-tiny-esc10-cmkd'));
    const { spec } = checkpoint;
    const f32 = await createNodeEngine(checkpoint, { providers: ['cpu'] });
    const int8 = await createNodeEngine(checkpoint, { providers: ['cpu'], weights: 'int8' });
    try {
      const set = await openLabelledSet(join(REPO, 'data/esc10/esc10_fold5.csv'), spec.labels, { fold: 5 });
      const agree = { 0: 0, 16: 0 };
      for (const clip of set.clips.slice(0, FOLD5_CLIPS)) {
        const f = await featuresForFile(clip.path, spec.features);
        const w = windowInput(f.fbank, f.frames, f.numMelBins, 0, spec.maxLength, spec.features);
        for (const r of [0, 16] as const) {
          const a = (await f32.run(w, 1, settings(r, spec.numLayers))).items[0].logits;
          const b = (await int8.run(w, 1, settings(r, spec.numLayers))).items[0].logits;
          if (argmax(a) === argmax(b)) agree[r]++;
        }
      }
      console.log(`bundled model, fold 5, first ${FOLD5_CLIPS} windows: top-1 agreement r = 0 ${agree[0]}, r = 16 ${agree[16]}`);
      expect(agree[0]).toBeGreaterThanOrEqual(MIN_FOLD5_AGREEMENT);
      expect(agree[16]).toBeGreaterThanOrEqual(MIN_FOLD5_AGREEMENT);
    } finally {
      await f32.dispose();
      await int8.dispose();
    }
  });
});

describe('int8 as an option', () => {
  it('gets a graph-cache entry of its own, and float32 keeps the key it had', async () => {
    const spec = (await loadCheckpoint(FIXTURES + 'tiny-ast')).spec;
    const key = (graph: ReturnType<typeof graphOptionsFor>) => entryId({ checkpointSha256: 'a'.repeat(64), spec, graph });
    expect(graphOptionsFor('cpu')).toEqual({ attention: 'mha' }); // no new field: float32 entries stay valid
    expect(key(graphOptionsFor('cpu', 'int8'))).not.toBe(key(graphOptionsFor('cpu')));
    expect(key(graphOptionsFor('webgpu', 'int8'))).not.toBe(key(graphOptionsFor('cpu', 'int8')));
  });

  it('is --weights int8 on the command line, and anything else is a usage error', () => {
    const c = parseCli(['classify', 'a.flac', '--weights', 'int8', '--batch', '4']);
    expect(c).toMatchObject({ command: 'classify', weights: 'int8', batch: 4 });
    expect(parseCli(['eval', '--csv', 'x.csv'])).toMatchObject({ weights: 'float32', batch: undefined });
    expect(() => parseCli(['classify', 'a.flac', '--weights', 'int4'])).toThrow(/--weights takes float32 or int8/);
  });
});
