/**
 * `npm run bench -- --only long [--quick]`: long files and many files through the host's real
 * analysis path (issue 13.6, issue 12 "Load").
 *
 * In a temp folder the bench writes a 1-hour and a 3-hour 16 kHz WAV and a folder of 500 short
 * WAVs (test/corpus/long-wav.ts; `--quick`: 20 minutes, no 3-hour file, 100 files). Each case
 * runs in a fresh child process holding a real Host (main/host) on the bundled model, driven
 * through its RPC transport as a page would: file.open → analysis.run (hop = one window) →
 * file.close, and for the folder fs.list first, file by file as renderer/src/folder-run.ts does.
 * The child warms the engine up on a demo clip, then resets its RSS high-water mark
 * (/proc/self/clear_refs), so the peak printed is that of the case itself. The engine is the
 * host's own (the cached onnxruntime engine) with its session time summed from each run's
 * RunResult.inferMs; everything else (decode and sample file, per-window fbank, normalising,
 * batching, the queue, scores and the RPC encoding) is the host's pipeline overhead.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultEngine } from '../main/host/host-config.js';
import { Host } from '../main/host/host.js';
import { writeLongWav } from '../test/corpus/long-wav.js';
import { observedEngine } from '../test/support/observed-engine.js';
import { rpcClient } from '../test/support/rpc-client.js';
import { runJsonChild } from './json-child.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MODEL = 'ast-tiny-esc10-cmkd';
const WARM_UP_CLIP = join(ROOT, 'data/demo/church_bells_inspectorj_371267.flac');
const TARGET_OVERHEAD = 0.1;
const FOLDER_FILE_S = 4;

export interface LongCase {
  what: string;
  files: number;
  windows: number;
  audioS: number;
  /** file.open of every file: decode, sample file, player copy. */
  openMs: number;
  /** analysis.run of every file. */
  analysisMs: number;
  /** open + analysis + close, the whole run. */
  totalMs: number;
  /** Sum of the session runs' own time (RunResult.inferMs). */
  sessionMs: number;
  /** RSS once the engine is warm, before the case, and the high-water mark during it (MB). */
  baseRssMb: number;
  peakRssMb: number;
  /** The largest file's decoded samples as one float32 array (what the host used to hold), MB. */
  samplesMb: number;
}

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

function statusKb(field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : process.resourceUsage().maxRSS;
}

/** `--child long file|folder PATH`: one case in this process, then one JSON line. */
export async function childLong(kind: 'file' | 'folder', target: string, threads: number): Promise<LongCase> {
  const tmp = mkdtempSync(join(tmpdir(), 'fastast-bench-long-host-'));
  let sessionMs = 0;
  const host = new Host({
    kind: 'serve',
    appVersion: 'bench',
    modelsDir: join(ROOT, 'models'),
    defaultModel: MODEL,
    stateDir: join(tmp, 'state'),
    mediaDir: join(tmp, 'media'),
    demoDir: null,
    homeDir: tmp,
    providers: ['cpu'],
    threads,
    createEngine: async (dir, opts) => {
      const built = await defaultEngine(dir, opts);
      return { ...built, engine: observedEngine(built.engine, (_batch, _settings, r) => void (sessionMs += r.inferMs)) };
    },
  });
  await host.start();
  const client = rpcClient(host);
  try {
    await client.ok('models.select', { id: MODEL });
    const warm = await client.ok('file.open', { path: WARM_UP_CLIP });
    await client.ok('analysis.run', { fileId: warm.fileId, hopS: warm.windowS, merge: null });
    await client.ok('file.close', { fileId: warm.fileId });
    global.gc?.();
    writeFileSync('/proc/self/clear_refs', '5');
    const baseRssMb = Math.round(statusKb('VmRSS') / 1024);
    sessionMs = 0;
    const paths =
      kind === 'file'
        ? [target]
        : ((await client.ok('fs.list', { dir: target })) as { entries: { kind: string; path: string }[] }).entries.filter((e) => e.kind === 'audio').map((e) => e.path);
    const res = { windows: 0, audioS: 0, openMs: 0, analysisMs: 0, samples: 0 };
    const t0 = performance.now();
    for (const path of paths) {
      const t = performance.now();
      const info = await client.ok('file.open', { path });
      const opened = performance.now();
      const a = await client.ok('analysis.run', { fileId: info.fileId, hopS: info.windowS, merge: null });
      res.analysisMs += performance.now() - opened;
      res.openMs += opened - t;
      res.windows += a.starts.length;
      res.audioS += info.durationS;
      res.samples = Math.max(res.samples, info.numSamples);
      await client.ok('file.close', { fileId: info.fileId });
    }
    const totalMs = performance.now() - t0;
    return {
      what: kind,
      files: paths.length,
      windows: res.windows,
      audioS: Math.round(res.audioS),
      openMs: Math.round(res.openMs),
      analysisMs: Math.round(res.analysisMs),
      totalMs: Math.round(totalMs),
      sessionMs: Math.round(sessionMs),
      baseRssMb,
      peakRssMb: Math.round(statusKb('VmHWM') / 1024),
      samplesMb: mb(res.samples * 4),
    };
  } finally {
    client.close();
    await host.dispose();
    rmSync(tmp, { recursive: true, force: true });
  }
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Prints one case; false when a file case misses the overhead target. */
export function printLongCase(c: LongCase, log: (line: string) => void): boolean {
  const overhead = c.totalMs - c.sessionMs;
  const share = overhead / c.sessionMs;
  const title = c.what === 'file' ? `${(c.audioS / 3600).toFixed(2)} h file` : `folder of ${c.files} files (${c.audioS} s of audio)`;
  log(`   ${title}: ${c.windows} windows; open ${s(c.openMs)} + analysis ${s(c.analysisMs)} = ${s(c.totalMs)} (${(c.audioS / (c.totalMs / 1000)).toFixed(0)}× real time)`);
  log(
    `     session.run ${s(c.sessionMs)} (${(c.sessionMs / c.windows).toFixed(1)} ms/window); everything else ${s(overhead)} = ${pct(share)} of inference time` +
      // The target is the long file's (issue 13.6); a folder of short files also pays an open and a close per window.
      (c.what === 'file' ? ` (target ≤ ${pct(TARGET_OVERHEAD)}: ${share <= TARGET_OVERHEAD ? '✓' : '✗'})` : ' (no target: one open and close per window)') +
      `; within analysis.run alone ${pct((c.analysisMs - c.sessionMs) / c.sessionMs)}`,
  );
  log(`     RSS: ${c.baseRssMb} MB with the engine warm, peak ${c.peakRssMb} MB during the run (+${c.peakRssMb - c.baseRssMb} MB); the ${c.what === 'file' ? "file's" : 'largest file\'s'} samples held whole would be ${c.samplesMb} MB`);
  return c.what !== 'file' || share <= TARGET_OVERHEAD;
}

/** Writes the files, runs each case in its own child, prints as it goes. */
export async function runLongBench(script: string, opts: { quick: boolean; threads: number; log: (line: string) => void }): Promise<LongCase[]> {
  const { log } = opts;
  const work = mkdtempSync(join(tmpdir(), 'fastast-bench-long-'));
  const out: LongCase[] = [];
  try {
    const hours = opts.quick ? [1 / 3] : [1, 3];
    const files = opts.quick ? 100 : 500;
    for (const h of hours) {
      const path = join(work, `${h}h.wav`);
      const t = performance.now();
      writeLongWav(path, { seconds: h * 3600, seed: 11 });
      log(`   (wrote ${path}: ${mb(h * 3600 * 16000 * 2)} MB in ${s(performance.now() - t)})`);
      const c = await runJsonChild<LongCase>(script, ['--child', 'long', 'file', path, '--threads', String(opts.threads)], ['--expose-gc']);
      out.push(c);
      printLongCase(c, log);
      rmSync(path);
    }
    const dir = join(work, 'folder');
    mkdirSync(dir);
    for (let i = 0; i < files; i++) writeLongWav(join(dir, `clip${String(i).padStart(3, '0')}.wav`), { seconds: FOLDER_FILE_S, seed: 100 + i });
    const c = await runJsonChild<LongCase>(script, ['--child', 'long', 'folder', dir, '--threads', String(opts.threads)], ['--expose-gc']);
    out.push(c);
    printLongCase(c, log);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return out;
}
