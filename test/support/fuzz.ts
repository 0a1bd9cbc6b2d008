import { FastAstError, type FastAstErrorCode } from '../../app/errors.js';

/**
 * Test tooling for the fuzz tests (test/fuzz.*.test.ts): a seeded generator, and a runner that
 * sorts each case's outcome into "read", "refused with an allowed code", or a finding (any
 * other throw, a disallowed code, "this is a bug", a hang past the time cap).
 */

/** The run's seed: fixed, so a failure reproduces; FASTAST_FUZZ_SEED=<n> explores another. */
export const FUZZ_SEED = Number(process.env.FASTAST_FUZZ_SEED ?? 20261130) >>> 0;

/** mulberry32: small, fast, and the same sequence on every platform. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(0, 255);
    return out;
  }
}

export interface FuzzTally {
  cases: number;
  read: number;
  refused: Partial<Record<FastAstErrorCode, number>>;
  /** One line per finding: case name and what went wrong. */
  findings: string[];
  slowestMs: number;
  peakRssMb: number;
}

export function newTally(): FuzzTally {
  return { cases: 0, read: 0, refused: {}, findings: [], slowestMs: 0, peakRssMb: 0 };
}

const rssMb = () => process.memoryUsage().rss / 2 ** 20;

/**
 * Runs one case under a time cap. `body` either returns (the input was read; it checks the
 * result itself and throws a plain Error if the result is wrong) or throws. A FastAstError with
 * one of `allowed` codes is a proper refusal; anything else is recorded as a finding.
 */
export async function runCase(tally: FuzzTally, name: string, allowed: readonly FastAstErrorCode[], capMs: number, body: () => Promise<void>): Promise<void> {
  tally.cases++;
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), capMs)));
  const outcome = await Promise.race([
    body().then(
      () => ({ ok: true as const }),
      (e: unknown) => ({ ok: false as const, e }),
    ),
    hang,
  ]);
  clearTimeout(timer);
  const ms = performance.now() - started;
  tally.slowestMs = Math.max(tally.slowestMs, ms);
  tally.peakRssMb = Math.max(tally.peakRssMb, rssMb());
  if (outcome === 'hang') {
    tally.findings.push(`${name}: no answer within ${capMs} ms`);
  } else if (outcome.ok) {
    tally.read++;
  } else if (!(outcome.e instanceof FastAstError)) {
    const e = outcome.e as Error | undefined;
    tally.findings.push(`${name}: ${e?.constructor?.name ?? typeof e}: ${e?.message ?? String(e)}`);
  } else if (!allowed.includes(outcome.e.code) || /this is a bug/.test(outcome.e.message)) {
    tally.findings.push(`${name}: ${outcome.e.code}: ${outcome.e.message}`);
  } else {
    tally.refused[outcome.e.code] = (tally.refused[outcome.e.code] ?? 0) + 1;
  }
}

export function summary(what: string, t: FuzzTally, seconds: number): string {
  const refused = Object.entries(t.refused)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  return (
    `fuzz ${what}: ${t.cases} cases, seed ${FUZZ_SEED}, ${t.findings.length} crashes ` +
    `(read ${t.read}; refused: ${refused}; slowest case ${Math.round(t.slowestMs)} ms; peak RSS ${Math.round(t.peakRssMb)} MB; ${seconds.toFixed(1)} s)`
  );
}
