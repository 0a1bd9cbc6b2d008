import { createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { specFromConfigs } from '../app/checkpoint/spec.js';
import { expectedTensors, randomWeights } from '../app/checkpoint/weights.js';

/**
 * Writes an AST-base-sized checkpoint folder in HF layout (config.json + model.safetensors, F32,
 * 527 labels, 86 M parameters, ~350 MB) with the deterministic random weights of `randomWeights`,
 * so that the bench can import it the way a user's download is imported.
 */
export async function writeAstBaseCheckpoint(configPath: string, dir: string): Promise<void> {
  const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
  const spec = specFromConfigs(config, null, configPath);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'config.json'), JSON.stringify({ ...config, architectures: ['ASTForAudioClassification'] }, null, 1));

  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [name, shape] of expectedTensors(spec)) {
    const bytes = 4 * shape.reduce((a, b) => a * b, 1);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));

  const weights = randomWeights(spec);
  const out = createWriteStream(join(dir, 'model.safetensors'));
  const write = async (b: Uint8Array) => {
    if (!out.write(b)) await once(out, 'drain');
  };
  await write(len);
  await write(json);
  // Same order as the header (expectedTensors' order); the machine is little-endian like the format.
  for (const name of expectedTensors(spec).keys()) {
    const t = weights.get(name)!;
    await write(new Uint8Array(t.buffer, t.byteOffset, t.byteLength));
  }
  out.end();
  await once(out, 'finish');
}
