import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../app/checkpoint/load.js';
import { openSafetensors } from '../app/checkpoint/safetensors.js';
import { createNodeEngine } from '../app/engine/node-engine.js';
import { composeGroups, samePartition } from '../app/tome/groups.js';
import { FIXTURES, featureFile, isClearCut, manifest } from './helpers/fixtures.js';
import { LOGIT_TOLERANCE } from './helpers/parity.js';

// No GPU here: Chromium's SwiftShader Vulkan ICD gives Dawn a software adapter (STACK.md). It is
// slow (tens of seconds a window), so this runs two cases, to prove the WebGPU code path exact.
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
const onLinux = process.platform === 'linux';

describe.runIf(onLinux)('onnxruntime-node WebGPU EP (SwiftShader adapter)', () => {
  it('runs the ToMe graph with the same merges and logits as the reference', async () => {
    expect(existsSync(SWIFTSHADER), `${SWIFTSHADER} missing: apt-get install chromium`).toBe(true);
    process.env.VK_ICD_FILENAMES = SWIFTSHADER;
    process.env.XDG_RUNTIME_DIR ??= '/tmp';
    const checkpoint = await loadCheckpoint(FIXTURES + 'tiny-ast');
    const engine = await createNodeEngine(checkpoint, { providers: ['webgpu'] });
    expect(engine.ep).toBe('webgpu');
    const ref = await openSafetensors(FIXTURES + 'tome_cases.safetensors');
    const keys = ['real_church_bells_inspectorj_371267.r16.prop', 'real_church_bells_inspectorj_371267.r64.fastast'];
    // Both cases must be in the manifest: a renamed key would otherwise leave nothing compared.
    const cases = (await manifest()).cases.filter((x) => keys.includes(x.key));
    expect(cases.map((c) => c.key).sort()).toEqual([...keys].sort());
    let compared = 0;
    try {
      for (const c of cases) {
        expect(isClearCut(c)).toBe(true);
        const input = await (await featureFile(c.input)).readFloat(`${c.input}.input_values`);
        const res = await engine.run(input, 1, { schedule: c.schedule, propAttn: c.prop_attn, protectDistillation: c.protect_distillation });
        const logits = await ref.readFloat(`${c.key}.logits`);
        const refGroups = await ref.readInt(`${c.key}.groups`);
        const groups = composeGroups(res.items[0].maps, 1214);
        groups.forEach((g, l) => expect(samePartition(g, refGroups.subarray(l * 1214, (l + 1) * 1214)), `${c.key} layer ${l}`).toBe(true));
        expect(res.items[0].logits.length).toBe(logits.length);
        logits.forEach((v, i) => expect(Math.abs(v - res.items[0].logits[i])).toBeLessThan(LOGIT_TOLERANCE));
        compared++;
      }
    } finally {
      await engine.dispose();
    }
    expect(compared).toBe(keys.length);
  }, 600_000);
});
