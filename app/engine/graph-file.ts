import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
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

export interface WrittenGraph {
  bytes: number;
  /** sha256 of the file as written (hex), hashed on the way out so it is never read back. */
  sha256: string;
}

/**
 * Builds the graph straight into a file: each weight is encoded and written as the builder makes
 * it (the transposed copies die one by one), so no serialised model is ever held in memory and
 * onnxruntime can open the file itself. Writes are synchronous: the build is synchronous
 * anyway, and each chunk is consumed before the builder lets go of it.
 */
export function writeGraphFile(path: string, spec: ModelSpec, weights: Weights, options: GraphOptions, onProgress?: ProgressCallback): WrittenGraph {
  let total = 0;
  for (const w of weights.values()) total += w.byteLength;
  const hash = createHash('sha256');
  let bytes = 0;
  let reported = 0;
  const fd = openSync(path, 'wx', 0o644);
  try {
    const g = new GraphBuilder((chunk) => {
      writeAll(fd, chunk);
      hash.update(chunk);
      bytes += chunk.byteLength;
      const fraction = Math.min(1, g.initializerBytes / total);
      // A callback per tensor would be ~200 calls; every 2 % is plenty for a progress bar.
      if (onProgress && fraction - reported >= 0.02) {
        reported = fraction;
        onProgress({ stage: 'build', fraction });
      }
    });
    defineTomeAstGraph(g, spec, weights, options);
    g.finish('fastast-studio');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  onProgress?.({ stage: 'build', fraction: 1 });
  return { bytes, sha256: hash.digest('hex') };
}

function writeAll(fd: number, chunk: Uint8Array): void {
  let at = 0;
  while (at < chunk.byteLength) at += writeSync(fd, chunk, at, chunk.byteLength - at);
}
