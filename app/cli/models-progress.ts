/** Download progress on stderr for `fastast models pull`: bytes, rate and ETA per file. */
import type { PullProgress } from '../models/download.js';
import type { RemoteFile } from '../models/hub-api.js';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = -1;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

function formatDuration(s: number): string {
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

export function progressLine(p: PullProgress): string {
  const pct = p.fileSize > 0 ? Math.floor((100 * p.fileBytes) / p.fileSize) : 100;
  const rate = p.bytesPerSecond > 0 ? `${formatBytes(p.bytesPerSecond)}/s` : '…';
  const eta = p.etaSeconds === undefined ? '' : `  ETA ${formatDuration(p.etaSeconds)}`;
  return `  ${p.file}  ${formatBytes(p.fileBytes)} / ${formatBytes(p.fileSize)} (${pct}%)  ${rate}${eta}`;
}

/**
 * On a terminal one line per file is redrawn (\r) at most 5 times a second; into a pipe or a
 * log, a line every 2 s, so a long transfer neither floods a log nor looks hung.
 */
export function progressPrinter(write: (text: string) => void, tty: boolean) {
  const everyMs = tty ? 200 : 2000;
  let last = 0;
  let open = false;
  return {
    onFile(file: RemoteFile, how: 'cached' | 'download' | 'resume', fromByte: number): void {
      if (open) write('\n');
      open = false;
      last = 0;
      if (how === 'cached') write(`  ${file.path}  ${formatBytes(file.size)}, already in the cache\n`);
      else if (how === 'resume') write(`  ${file.path}  resuming at ${formatBytes(fromByte)} of ${formatBytes(file.size)}\n`);
    },
    onProgress(p: PullProgress): void {
      const now = Date.now();
      const done = p.fileBytes === p.fileSize;
      if (!done && now - last < everyMs) return;
      last = now;
      if (tty) {
        write(`\r${progressLine(p)}\x1b[K`);
        open = !done;
        if (done) write('\n');
      } else write(`${progressLine(p)}\n`);
    },
    end(): void {
      if (open) write('\n');
      open = false;
    },
  };
}
