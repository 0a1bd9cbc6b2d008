import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import type { ModelSpec } from '../checkpoint/spec.js';
import type { Weights } from '../checkpoint/weights.js';
import { GraphBuilder } from '../graph/onnx-builder.js';
import { defineTomeAstGraph, type GraphOptions } from '../graph/tome-ast.js';

/** Where a first start is; `fraction` runs from 0 to 1 within each stage. */
export interface BuildProgress {
  stage: 'weights' | 'build' | 'session';
  fraction: number;
}
export type ProgressCallback = (p: BuildProgress) => void;

/** One written file: its length and sha256 (hex), hashed on the way out so it is never read back. */
export interface WrittenFile {
  bytes: number;
  sha256: string;
}

export interface GraphFiles {
  /** The ONNX model: structure and small constants (a few hundred kB). */
  model: string;
  /** The large weights, page-aligned, which onnxruntime maps into memory instead of copying. */
  weights: string;
  /** How the model names the weights file: its final name, in the model's own folder. */
  location: string;
}

/** onnxruntime maps an external tensor only when its offset is a multiple of the page size. */
const ALIGN = 4096;
/** Smaller weights (biases, LayerNorm) stay inside the model. */
const EXTERNAL_MIN_BYTES = 64 * 1024;

/**
 * Builds the graph straight into two files: each weight is encoded and written as the builder
 * makes it (the transposed copies die one by one), so no serialised model is ever held in
 * memory, and onnxruntime can open the model itself and map its weights. Writes are synchronous:
 * the build is synchronous anyway, and each chunk must be consumed before the builder lets go.
 */
export function writeGraphFiles(files: GraphFiles, spec: ModelSpec, weights: Weights, options: GraphOptions, onProgress?: ProgressCallback): { model: WrittenFile; weights: WrittenFile } {
  let total = 0;
  for (const w of weights.values()) total += w.byteLength;
  let reported = 0;
  const model = new Output(files.model);
  try {
    const external = new Output(files.weights);
    try {
      const g = new GraphBuilder(
        (chunk) => {
          model.write(chunk);
          const fraction = Math.min(1, g.initializerBytes / total);
          // A callback per tensor would be ~400 calls; every 2 % is plenty for a progress bar.
          if (onProgress && fraction - reported >= 0.02) {
            reported = fraction;
            onProgress({ stage: 'build', fraction });
          }
        },
        {
          location: files.location,
          minBytes: EXTERNAL_MIN_BYTES,
          write: (raw) => {
            external.write(new Uint8Array((ALIGN - (external.bytes % ALIGN)) % ALIGN));
            const offset = external.bytes;
            external.write(raw);
            return offset;
          },
        },
      );
      defineTomeAstGraph(g, spec, weights, options);
      g.finish('fastast-studio');
      onProgress?.({ stage: 'build', fraction: 1 });
      return { model: model.close(), weights: external.close() };
    } finally {
      external.abandon();
    }
  } finally {
    model.abandon();
  }
}

/** A file written synchronously, hashed as it goes. */
class Output {
  private fd: number | null;
  private readonly hash: Hash = createHash('sha256');
  bytes = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'wx', 0o644);
  }

  write(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.byteLength) at += writeSync(this.fd!, chunk, at, chunk.byteLength - at);
    this.hash.update(chunk);
    this.bytes += chunk.byteLength;
  }

  /**
   * No fsync: it would make a cold start wait for 350 MB to reach the disk, and durability buys
   * nothing here. An entry that a power cut left with missing data fails the cache's length or
   * sha256 check and is rebuilt; onnxruntime reads the fresh file from the page cache.
   */
  close(): WrittenFile {
    closeSync(this.fd!);
    this.fd = null;
    return { bytes: this.bytes, sha256: this.hash.digest('hex') };
  }

  /** Closes a file left open by a failure (the caller removes it). */
  abandon(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
