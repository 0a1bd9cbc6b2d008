import { describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../app/checkpoint/load.js';
import { enginePool } from '../app/engine/engine-pool.js';
import { createNodeEngine } from '../app/engine/node-engine.js';
import { parseCli } from '../app/cli/args.js';
import { FIXTURES, featureFile } from './helpers/fixtures.js';

describe('enginePool (parallel sessions for throughput)', () => {
  it('splits a batch across its sessions and returns the items in order, as one session would', async () => {
    const checkpoint = await loadCheckpoint(FIXTURES + 'tiny-ast');
    const one = await createNodeEngine(checkpoint, { providers: ['cpu'], threads: 1 });
    const pool = enginePool([await createNodeEngine(checkpoint, { providers: ['cpu'], threads: 1 }), await createNodeEngine(checkpoint, { providers: ['cpu'], threads: 1 })]);
    try {
      const names = ['sine_440', 'white_noise', 'real_church_bells_inspectorj_371267'];
      const inputs = await Promise.all(names.map(async (n) => (await featureFile(n)).readFloat(`${n}.input_values`)));
      const batch = new Float32Array(inputs[0].length * inputs.length);
      inputs.forEach((x, i) => batch.set(x, i * x.length));
      const settings = { schedule: Array<number>(checkpoint.spec.numLayers).fill(8), propAttn: true, protectDistillation: true };
      const a = await one.run(batch, 3, settings);
      const b = await pool.run(batch, 3, settings);
      expect(b.items).toHaveLength(3);
      expect(b.tokensPerLayer).toEqual(a.tokensPerLayer);
      b.items.forEach((item, i) => {
        const diff = Math.max(...Array.from(item.logits, (v, j) => Math.abs(v - a.items[i].logits[j])));
        expect(diff).toBeLessThan(1e-4); // another batch split, the same numbers up to float rounding
        expect(item.maps.map((m) => Array.from(m))).toEqual(a.items[i].maps.map((m) => Array.from(m)));
      });
    } finally {
      await one.dispose();
      await pool.dispose();
    }
  });

  it('is eval --sessions N', () => {
    expect(parseCli(['eval', '--csv', 'x.csv', '--sessions', '2', '--threads', '1'])).toMatchObject({ sessions: 2, threads: 1 });
    expect(() => parseCli(['eval', '--csv', 'x.csv', '--sessions', '0'])).toThrow(/--sessions must be an integer ≥ 1/);
  });
});
