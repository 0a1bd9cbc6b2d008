import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSafetensors } from '../app/checkpoint/safetensors.js';
import { specFromConfigs } from '../app/checkpoint/spec.js';
import { randomWeights } from '../app/checkpoint/weights.js';
import { createNodeEngine } from '../app/engine/node-engine.js';
import { applySchedule, constantSchedule } from '../app/tome/schedule.js';

/** A safetensors file written byte by byte from the format's description. */
async function writeSafetensors(path: string, tensors: { name: string; dtype: string; shape: number[]; bytes: Uint8Array }[]) {
  let offset = 0;
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.length] };
    offset += t.bytes.length;
  }
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  await writeFile(path, Buffer.concat([len, json, ...tensors.map((t) => Buffer.from(t.bytes))]));
}

describe('safetensors', () => {
  it('reads F32, F16 and BF16 tensors as float32', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'st-'));
    const values = [1, -2.5, 0.099975586, 65504, -0, 6.1035156e-5];
    const f32 = new Float32Array(values);
    // F16 bit patterns of the same values (0.099975586 is exactly representable in half precision).
    const f16 = Uint16Array.from([0x3c00, 0xc100, 0x2e66, 0x7bff, 0x8000, 0x0400]);
    // BF16 = the top 16 bits of the float32 pattern.
    const bf16 = Uint16Array.from(new Uint32Array(f32.buffer), (u) => u >>> 16);
    const path = join(dir, 'm.safetensors');
    await writeSafetensors(path, [
      { name: 'a', dtype: 'F32', shape: [2, 3], bytes: new Uint8Array(f32.buffer) },
      { name: 'b', dtype: 'F16', shape: [6], bytes: new Uint8Array(f16.buffer) },
      { name: 'c', dtype: 'BF16', shape: [3, 2], bytes: new Uint8Array(bf16.buffer) },
    ]);
    const st = await openSafetensors(path);
    expect(st.tensors.get('c')!.shape).toEqual([3, 2]);
    expect(Array.from(await st.readFloat('a'))).toEqual(Array.from(f32));
    const half = await st.readFloat('b');
    values.forEach((v, i) => expect(half[i]).toBeCloseTo(v, 6));
    const brain = await st.readFloat('c');
    values.forEach((v, i) => expect(Math.abs(brain[i] - v)).toBeLessThanOrEqual(Math.abs(v) / 128));
  });
});

const base = JSON.parse(`{"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64,
  "patch_size": 16, "layer_norm_eps": 1e-12, "id2label": {"0": "a", "1": "b", "2": "c"}}`);

describe('model spec and graph for any AST shape', () => {
  it.each([
    { max_length: 128, frequency_stride: 10, time_stride: 10, grid: [12, 12] },
    { max_length: 512, frequency_stride: 10, time_stride: 10, grid: [12, 50] },
    { max_length: 1024, frequency_stride: 16, time_stride: 16, grid: [8, 64] },
    { max_length: 1024, frequency_stride: 10, time_stride: 6, grid: [12, 169] },
  ])('max_length $max_length, strides $frequency_stride/$time_stride → grid $grid, runs merged', async (v) => {
    const spec = specFromConfigs({ ...base, max_length: v.max_length, frequency_stride: v.frequency_stride, time_stride: v.time_stride }, null, 'test');
    expect([spec.freqPatches, spec.timePatches]).toEqual(v.grid);
    const engine = await createNodeEngine({ spec, weights: randomWeights(spec) }, { providers: ['cpu'] });
    const input = new Float32Array(2 * spec.maxLength * spec.numMelBins).map((_, i) => Math.sin(i * 0.37));
    const schedule = constantSchedule(40, 2);
    const res = await engine.run(input, 2, { schedule, propAttn: true, protectDistillation: true });
    expect(res.tokensPerLayer).toEqual(applySchedule(spec.numTokens, schedule, true).tokens);
    expect(res.items[1].logits).toHaveLength(3);
    expect(res.items[0].logits.every(Number.isFinite)).toBe(true);
    await engine.dispose();
  });

  it('tells single-label from multi-label checkpoints', () => {
    const many = Object.fromEntries(Array.from({ length: 527 }, (_, i) => [String(i), `c${i}`]));
    expect(specFromConfigs({ ...base, id2label: many }, null, 'x').multiLabel).toBe(true);
    expect(specFromConfigs(base, null, 'x').multiLabel).toBe(false);
    expect(specFromConfigs({ ...base, problem_type: 'multi_label_classification' }, null, 'x').multiLabel).toBe(true);
  });

  it('rejects inconsistent configs with the setting named', () => {
    expect(() => specFromConfigs({ ...base, num_attention_heads: 5 }, null, 'ck')).toThrow(/hidden_size 32 is not divisible by num_attention_heads 5/);
    expect(() => specFromConfigs(base, { max_length: 512, num_mel_bins: 128 }, 'ck')).toThrow(/disagrees with config.json/);
    expect(() => specFromConfigs({ ...base, hidden_act: 'relu' }, null, 'ck')).toThrow(/hidden_act must be "gelu", the only activation supported \(it is a string \(4 characters\)\)/);
  });
});
