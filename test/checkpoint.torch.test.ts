import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importOriginalAst } from '../app/checkpoint/ast-original.js';
import { loadCheckpoint, type Checkpoint } from '../app/checkpoint/load.js';
import { readStateDictPickle } from '../app/checkpoint/pickle.js';
import { openSafetensors } from '../app/checkpoint/safetensors.js';
import { openTorchStateDict } from '../app/checkpoint/torch-state-dict.js';
import { createNodeEngine } from '../app/engine/node-engine.js';
import { FastAstError } from '../app/errors.js';
import { featureFile, FIXTURES, manifest } from './helpers/fixtures.js';
import { DEMO, fastast } from './support/cli.js';

/**
 * PyTorch checkpoints read without Python (fixtures made with torch 1.13; see
 * test/fixtures/torch-checkpoints/README.md): the zip + strict pickle reader, the original AST
 * code's layout, and `fastast models import`, all through real onnxruntime.
 */

const TORCH = join(FIXTURES, 'torch-checkpoints');
const TINY_BIN = join(TORCH, 'tiny-ast-bin');
const MICRO = join(TORCH, 'ast-repo-micro.pth');
const tmpDirs: string[] = [];

async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'fastast-torch-'));
  tmpDirs.push(d);
  return d;
}

afterAll(async () => {
  for (const d of tmpDirs) await rm(d, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<FastAstError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FastAstError);
  return err as FastAstError;
}

async function logitsAtR0(ck: Checkpoint, inputs: string[]): Promise<Float32Array[]> {
  const engine = await createNodeEngine(ck, { providers: ['cpu'] });
  try {
    const out: Float32Array[] = [];
    for (const input of inputs) {
      const x = await (await featureFile(input)).readFloat(`${input}.input_values`);
      const res = await engine.run(x, 1, { schedule: new Array(ck.spec.numLayers).fill(0), propAttn: true, protectDistillation: true });
      out.push(Float32Array.from(res.items[0].logits));
    }
    return out;
  } finally {
    await engine.dispose();
  }
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));

describe('pytorch_model.bin in an HF folder', () => {
  it('holds every tensor of ../tiny-ast/model.safetensors, bit for bit', async () => {
    const st = await openSafetensors(join(FIXTURES, 'tiny-ast', 'model.safetensors'));
    const sd = await openTorchStateDict(join(TINY_BIN, 'pytorch_model.bin'));
    try {
      expect([...sd.tensors.keys()].sort()).toEqual([...st.tensors.keys()].sort());
      for (const [name, info] of st.tensors) {
        expect(sd.tensors.get(name)!.shape, name).toEqual(info.shape);
        expect(Buffer.from((await sd.readFloat(name)).slice().buffer).equals(Buffer.from((await st.readFloat(name)).buffer)), name).toBe(true);
      }
    } finally {
      await sd.close();
    }
  });

  it('loads through the folder path and gives the safetensors model’s results on fixture cases', async () => {
    const fromBin = await loadCheckpoint(TINY_BIN);
    const fromSt = await loadCheckpoint(join(FIXTURES, 'tiny-ast'));
    expect(fromBin.spec).toEqual(fromSt.spec);
    const { cases } = await manifest();
    // Clear-cut cases (decision margin ≥ 1e-5 or nothing merged): r0, constant, FastAST mode, decreasing.
    const picked = ['real_church_bells_inspectorj_371267.r0.prop', 'sine_440.r16.prop', 'real_car_horn_dj997_493751.r64.fastast', 'short_burst_1s.decreasing.prop'];
    const ref = await openSafetensors(join(FIXTURES, 'tome_cases.safetensors'));
    const engines = [await createNodeEngine(fromBin, { providers: ['cpu'] }), await createNodeEngine(fromSt, { providers: ['cpu'] })];
    try {
      for (const key of picked) {
        const c = cases.find((k) => k.key === key)!;
        expect(c, key).toBeDefined();
        const x = await (await featureFile(c.input)).readFloat(`${c.input}.input_values`);
        const opts = { schedule: c.schedule, propAttn: c.prop_attn, protectDistillation: c.protect_distillation };
        const [a, b] = await Promise.all(engines.map((e) => e.run(x, 1, opts)));
        expect(Array.from(a.items[0].logits), key).toEqual(Array.from(b.items[0].logits));
        expect(a.tokensPerLayer, key).toEqual([...c.tokens_in_per_layer, c.final_tokens]);
        expect(maxAbsDiff(a.items[0].logits, await ref.readFloat(`${key}.logits`)), key).toBeLessThan(1e-3);
      }
    } finally {
      for (const e of engines) await e.dispose();
    }
  });

  it('a tensor missing from the .bin, or of the wrong shape, is named with what config.json expects', async () => {
    const config = JSON.parse(await readFile(join(TINY_BIN, 'config.json'), 'utf8'));
    const deeper = await tmp();
    await copyFile(join(TINY_BIN, 'pytorch_model.bin'), join(deeper, 'pytorch_model.bin'));
    await writeFile(join(deeper, 'config.json'), JSON.stringify({ ...config, num_hidden_layers: 5 }));
    const missing = await failure(loadCheckpoint(deeper));
    expect(missing.message).toMatch(/pytorch_model\.bin: tensor audio_spectrogram_transformer\.encoder\.layer\.4\.\S+ is missing \(expected shape \[96\]\)/);

    const wider = await tmp();
    await copyFile(join(TINY_BIN, 'pytorch_model.bin'), join(wider, 'pytorch_model.bin'));
    await writeFile(join(wider, 'config.json'), JSON.stringify({ ...config, intermediate_size: 200 }));
    const misshaped = await failure(loadCheckpoint(wider));
    expect(misshaped.message).toMatch(/tensor audio_spectrogram_transformer\.encoder\.layer\.0\.intermediate\.dense\.weight has shape \[192, 96\], expected \[200, 96\]/);
  });
});

describe('the original AST / FastAST layout (.pth)', () => {
  it('imports ast-repo-micro.pth with its geometry inferred and reproduces the expected logits', async () => {
    const expected = JSON.parse(await readFile(join(TORCH, 'ast-repo-micro.expected.json'), 'utf8'));
    const ck = await loadCheckpoint(MICRO);
    const s = ck.spec;
    const g = expected.geometry;
    expect([s.hiddenSize, s.numLayers, s.numHeads, s.intermediateSize, s.labels.length]).toEqual([g.hidden, g.layers, g.heads, g.mlp, g.labels]);
    expect([s.frequencyStride, s.timeStride, s.maxLength, s.numMelBins, s.freqPatches, s.timePatches]).toEqual([
      g.fstride, g.tstride, g.input_tdim, g.input_fdim, ...g.patch_grid,
    ]);
    expect([s.layerNormEps, s.headLayerNormEps]).toEqual([expected.layer_norm_eps.encoder, expected.layer_norm_eps.mlp_head]);
    expect(s.labels.slice(0, 2)).toEqual(['Speech', 'Male speech, man speaking']);
    expect([s.features.mean, s.features.std, s.multiLabel]).toEqual([-4.2677393, 4.5689974, true]);

    const inputs = Object.keys(expected.logits_r0);
    const got = await logitsAtR0(ck, inputs);
    const diffs = inputs.map((k, i) => maxAbsDiff(got[i], expected.logits_r0[k]));
    console.log(`ast-repo-micro.pth: max |Δlogit| = ${Math.max(...diffs).toExponential(2)} over ${inputs.length} inputs × 527`);
    for (const d of diffs) expect(d).toBeLessThan(1e-4);
    // Tighter: the right eps per LayerNorm gives ~2e-6 here; the encoder's 1e-6 in the head too gives 2e-5.
    expect(Math.max(...diffs)).toBeLessThan(1e-5);
  });

  it('fastast classify --model FILE.pth runs the .pth as it is, with the AudioSet labels', async () => {
    const run = await fastast(['classify', join(DEMO, 'church_bells_inspectorj_371267.flac'), '--model', MICRO, '--ep', 'cpu', '--json', '--top', '2']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout.trim().split('\n')[0]);
    expect(result.windows.length).toBeGreaterThan(0);
    const audioset = (await readFile(join(FIXTURES, '..', '..', 'data', 'labels', 'audioset_class_labels_indices.csv'), 'utf8')).split('\n').slice(1).map((l) => l.split(',').slice(2).join(',').replace(/^"|"$/g, ''));
    for (const t of result.windows[0].top) expect(audioset).toContain(t.label);
  });

  it('a missing or mis-shaped original tensor is named before anything is read', async () => {
    const sd = await openTorchStateDict(MICRO);
    try {
      const fc2 = sd.tensors.get('module.v.blocks.1.mlp.fc2.bias')!;
      sd.tensors.delete('module.v.blocks.1.mlp.fc2.bias');
      expect((await failure(importOriginalAst(sd))).message).toMatch(/tensor module\.v\.blocks\.1\.mlp\.fc2\.bias is missing \(expected shape \[128\]\)/);
      sd.tensors.set('module.v.blocks.1.mlp.fc2.bias', fc2);
      const qkv = sd.tensors.get('module.v.blocks.0.attn.qkv.weight')!;
      sd.tensors.set('module.v.blocks.0.attn.qkv.weight', { ...qkv, shape: [256, 128], stride: [128, 1] });
      expect((await failure(importOriginalAst(sd))).message).toMatch(/module\.v\.blocks\.0\.attn\.qkv\.weight has shape \[256, 128\], expected \[384, 128\]/);
    } finally {
      await sd.close();
    }
  });

  it('fastast models import writes an HF folder that loads through the folder path with the same logits', async () => {
    const out = join(await tmp(), 'micro-hf');
    const run = await fastast(['models', 'import', MICRO, '--out', out]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/hidden size 128, 2 layers, MLP 512/);
    expect(run.stdout).toMatch(/2 attention heads = hidden \/ 64/);
    expect(run.stdout).toMatch(/1024 input frames/);
    expect(run.stdout).toMatch(/AudioSet list/);

    const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ model_type: 'audio-spectrogram-transformer', architectures: ['ASTForAudioClassification'], layer_norm_eps: 1e-6, max_length: 1024 });
    expect(config.id2label['526']).toBe('Field recording');
    expect(config.label2id['Field recording']).toBe(526);
    const pre = JSON.parse(await readFile(join(out, 'preprocessor_config.json'), 'utf8'));
    expect(pre).toMatchObject({ feature_extractor_type: 'ASTFeatureExtractor', sampling_rate: 16000, num_mel_bins: 128, max_length: 1024, mean: -4.2677393, std: 4.5689974 });

    const inputs = ['real_church_bells_inspectorj_371267', 'real_train_markedit_157873'];
    const [fromFolder, fromPth] = [await loadCheckpoint(out), await loadCheckpoint(MICRO)];
    expect(fromFolder.spec).toEqual(fromPth.spec);
    const [a, b] = [await logitsAtR0(fromFolder, inputs), await logitsAtR0(fromPth, inputs)];
    inputs.forEach((_, i) => expect(Array.from(a[i])).toEqual(Array.from(b[i])));

    const again = await fastast(['models', 'import', MICRO, '--out', out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds config\.json/);
  });

  it('flags override the assumptions and are checked against the weights', async () => {
    const sd = await openTorchStateDict(MICRO);
    try {
      const labels = join(await tmp(), 'labels.csv');
      await writeFile(labels, 'index,mid,display_name\n' + Array.from({ length: 527 }, (_, i) => `${i},/m/x${i},"sound ${i}"`).join('\n') + '\n');
      const imp = await importOriginalAst(sd, { heads: 4, labelsCsv: labels, mean: -5, std: 3 });
      expect([imp.spec.numHeads, imp.spec.labels[3], imp.spec.features.mean, imp.spec.features.std]).toEqual([4, 'sound 3', -5, 3]);
      expect(imp.assumed.join('\n')).not.toMatch(/heads|labels|mean/);
      expect((await failure(importOriginalAst(sd, { inputTdim: 512 }))).message).toMatch(/512 frames at time stride 10 give 50 time patches; the weights have 101/);
      expect((await failure(importOriginalAst(sd, { fstride: 16 }))).message).toMatch(/1212 patches are not a whole number of time steps of 8 frequency patches/);
    } finally {
      await sd.close();
    }
  });
});

describe('the strict pickle reader', () => {
  it('refuses runs-code.bin naming builtins.print, and nothing is printed', async () => {
    const written: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => (written.push(String(chunk)), true)) as typeof process.stdout.write;
    let err: FastAstError;
    try {
      err = await failure(loadCheckpoint(join(TORCH, 'runs-code.bin')));
    } finally {
      process.stdout.write = write;
    }
    expect(written).toEqual([]);
    expect(err.message).toMatch(/refused: the pickle references builtins\.print/);

    const run = await fastast(['classify', join(DEMO, 'car_horn_dj997_493751.flac'), '--model', join(TORCH, 'runs-code.bin'), '--ep', 'cpu']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/builtins\.print/);
    expect(run.stderr).not.toMatch(/ran code while loading/);
  });

  it('refuses any other global, opcode or call, naming it', () => {
    const pkl = (text: string) => Buffer.from(text, 'latin1');
    const refused = (bytes: Buffer) => {
      try {
        readStateDictPickle(bytes, 'x.pth');
      } catch (e) {
        expect(e).toBeInstanceOf(FastAstError);
        return (e as Error).message;
      }
      throw new Error('not refused');
    };
    // os.system('echo hi'): refused at GLOBAL, before the argument is even read.
    expect(refused(pkl('\x80\x02cposix\nsystem\nX\x07\x00\x00\x00echo hi\x85R.'))).toMatch(/refused: the pickle references posix\.system/);
    // A storage class is a dtype tag, never a callable.
    expect(refused(pkl('\x80\x02ctorch\nFloatStorage\n)R.'))).toMatch(/refused: the pickle calls torch\.FloatStorage/);
    // EMPTY_LIST (0x5d) is not in a state dict's pickle.
    expect(refused(pkl('\x80\x02].'))).toMatch(/refused: pickle opcode 0x5d at byte 2/);
    expect(refused(pkl('\x80\x04}.'))).toMatch(/pickle protocol 4; .*re-save/);
    expect(refused(pkl('\x80\x02}X\x05\x00\x00'))).toMatch(/ends early/);
    // The smallest valid state-dict pickle: an empty dict.
    expect(readStateDictPickle(pkl('\x80\x02}.'), 'x.pth')).toEqual({ kind: 'dict', entries: new Map() });
  });

  it('reads f16 and bf16 storages, offsets and strides into a shared storage, 0-d tensors and Parameters', async () => {
    const sd = await openTorchStateDict(join(TORCH, 'views-f16-bf16.pth'));
    try {
      const a = (i: number) => i * 0.5 - 1; // storage 0 holds a(0) … a(11)
      expect(Array.from(await sd.readFloat('fused.weight'))).toEqual(Array.from({ length: 12 }, (_, i) => a(i)));
      expect(Array.from(await sd.readFloat('second_third'))).toEqual([a(4), a(5), a(6), a(7)]);
      expect(Array.from(await sd.readFloat('transposed'))).toEqual([a(0), a(2), a(4), a(1), a(3), a(5)]);
      expect(sd.tensors.get('scalar')!.shape).toEqual([]);
      expect(Array.from(await sd.readFloat('scalar'))).toEqual([a(7)]);
      expect(Array.from(await sd.readFloat('param'))).toEqual([a(8), a(9), a(10), a(11)]);
      expect(Array.from(await sd.readFloat('half'))).toEqual([1, -2.5, 0.0999755859375, 65504]);
      expect(Array.from(await sd.readFloat('brain'))).toEqual([1, -0.5, 3.140625]);
    } finally {
      await sd.close();
    }
  });

  it('a legacy (pre-1.6) file and a truncated zip each get their own error', async () => {
    const dir = await tmp();
    // What legacy torch.save writes first: its magic number, pickled with protocol 2.
    const legacy = join(dir, 'legacy.pth');
    await writeFile(legacy, Buffer.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]));
    expect((await failure(loadCheckpoint(legacy))).message).toMatch(/legacy \(pre-1\.6, non-zip\) PyTorch file; re-save it with torch ≥ 1\.6/);

    const truncated = join(dir, 'truncated.pth');
    await writeFile(truncated, (await readFile(MICRO)).subarray(0, 2_000_000));
    expect((await failure(loadCheckpoint(truncated))).message).toMatch(/truncated\.pth: not a readable PyTorch zip \(.*truncated download\?\)/);

    const notTorch = join(dir, 'notes.pth');
    await writeFile(notTorch, 'hello');
    expect((await failure(loadCheckpoint(notTorch))).message).toMatch(/not a PyTorch checkpoint/);
  });

  it('an HF .bin passed as a file says to open its folder', async () => {
    expect((await failure(loadCheckpoint(join(TINY_BIN, 'pytorch_model.bin')))).message).toMatch(/HF AST tensor names; open the folder/);
  });
});
