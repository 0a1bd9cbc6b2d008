import { spawn } from 'node:child_process';

/**
 * Runs `script` (a bench entry, under this process's tsx loader) in a fresh Node process and
 * resolves with the JSON of the last line it prints; a non-zero exit rejects with its last
 * stderr lines. Each bench case that reports a peak RSS runs this way, so the peak is its own.
 */
export function runJsonChild<T>(script: string, args: string[], nodeFlags: string[] = []): Promise<T> {
  return new Promise((resolveP, reject) => {
    const p = spawn(process.execPath, [...nodeFlags, ...process.execArgv, script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => {
      const last = out.trim().split('\n').pop();
      if (code === 0 && last) resolveP(JSON.parse(last) as T);
      else reject(new Error(`child ${args.join(' ')} exited ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}
