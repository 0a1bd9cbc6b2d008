/** `fastast models list | pull | rm`: the models on this machine, and the hub cache. */
import { createInterface } from 'node:readline/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FastAstError } from '../errors.js';
import { pullModel } from '../models/download.js';
import { hubCacheDir, parseRepoRef, removeCachedRepo } from '../models/hub-cache.js';
import { listBundled, listHubCache, type InstalledModel } from '../models/list.js';
import { EXIT_OK, type CliIo } from './io.js';
import { PACKAGE_ROOT } from './model.js';
import { runModelsImport } from './models-import.js';
import { formatBytes, progressPrinter } from './models-progress.js';

export const MODELS_HELP = `Usage: fastast models list [--json]
       fastast models pull ORG/NAME [--revision R] [--timeout SECONDS]
       fastast models rm ORG/NAME [--yes]

list   the bundled models and the Audio Spectrogram Transformers in the Hugging Face hub
       cache, with revision and size; what the MODEL column shows is what --model takes
pull   downloads config.json, model.safetensors (or pytorch_model.bin) and, when the repo
       has it, preprocessor_config.json into the hub cache, where Python's transformers
       finds them too; an interrupted pull resumes where it stopped (Ctrl-C keeps the part)
rm     removes a repo from the hub cache (every revision); asks first, or needs --yes
       when not run from a terminal

classify and eval never download: --model ORG/NAME opens the cached copy (also with no
network), and says to run "fastast models pull ORG/NAME" when there is none.

Options:
  --revision R          branch, tag or commit to pull (default main; also ORG/NAME@R)
  --timeout SECONDS     give up when the hub sends nothing for this long (default 30)
  --yes                 rm without asking
  --json                list: one JSON object per model and line

Environment (as in Python's huggingface_hub):
  HF_HUB_CACHE, HF_HOME   where the hub cache is (default ~/.cache/huggingface/hub)
  HF_ENDPOINT             the hub's address (a mirror; default https://huggingface.co)
  HF_TOKEN                access token for private and gated repos (default: the token
                          huggingface-cli login saved in HF_HOME)
  HF_HUB_OFFLINE=1        no network: pull only reports what is cached
`;

const OPTIONS = {
  revision: { type: 'string' },
  timeout: { type: 'string' },
  yes: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function usage(message: string): FastAstError {
  return new FastAstError('USAGE', `${message} (see: fastast models --help)`);
}

function parse(args: string[]) {
  try {
    return parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: true });
  } catch (e) {
    throw usage((e as Error).message.split('\n')[0]);
  }
}

function oneRepo(sub: string, positionals: string[]): string {
  if (positionals.length !== 1) throw usage(`"fastast models ${sub}" takes one repo id, e.g. MIT/ast-finetuned-audioset-10-10-0.4593`);
  return positionals[0];
}

function printTable(rows: InstalledModel[], io: CliIo): void {
  const cells = rows.map((m) => [m.source, m.id, m.commit ? `${(m.refs ?? []).join(',') || '-'} ${m.commit.slice(0, 10)}` : '-', formatBytes(m.bytes), m.dir]);
  const head = ['SOURCE', 'MODEL', 'REVISION', 'SIZE', 'PATH'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  for (const row of [head, ...cells]) io.out(row.map((c, i) => (i < row.length - 1 ? c.padEnd(widths[i]) : c)).join('  ') + '\n');
}

async function list(json: boolean, io: CliIo): Promise<number> {
  const cacheDir = hubCacheDir();
  const rows = [...(await listBundled(join(PACKAGE_ROOT, 'models'))), ...(await listHubCache(cacheDir))];
  if (json) {
    for (const m of rows) io.out(JSON.stringify(m) + '\n');
    return EXIT_OK;
  }
  printTable(rows, io);
  if (!rows.some((m) => m.source === 'hub')) io.out(`(no Audio Spectrogram Transformer in the hub cache ${cacheDir})\n`);
  return EXIT_OK;
}

async function pull(repo: string, revision: string | undefined, timeout: string | undefined, io: CliIo): Promise<number> {
  const seconds = timeout === undefined ? 30 : Number(timeout);
  if (!(seconds > 0)) throw usage(`--timeout must be a positive number of seconds, got "${timeout}"`);
  const printer = progressPrinter(io.err, Boolean(process.stderr.isTTY));
  io.err(`fastast: pulling ${repo}${revision ? ` (revision ${revision})` : ''} into ${hubCacheDir()}\n`);
  try {
    const res = await pullModel(repo, { revision, signal: io.signal, stallTimeoutMs: seconds * 1000, onFile: printer.onFile, onProgress: printer.onProgress });
    const where = `${res.repoId}@${res.revision} = ${res.commit}`;
    io.err(res.cached ? `fastast: ${where} is already in the cache\n` : `fastast: ${where} downloaded\n`);
    io.out(`${res.dir}\n`);
    return EXIT_OK;
  } finally {
    printer.end();
  }
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

async function remove(repo: string, yes: boolean, io: CliIo): Promise<number> {
  const ref = parseRepoRef(repo);
  if (ref === undefined || repo.includes('@')) throw usage(`"${repo}" is not a hub repo id (ORG/NAME); rm removes every revision of a repo`);
  const cacheDir = hubCacheDir();
  const cached = (await listHubCache(cacheDir)).filter((m) => m.id === ref.repoId || m.id.startsWith(`${ref.repoId}@`));
  const bytes = cached.reduce((s, m) => s + m.bytes, 0);
  if (!yes) {
    if (!process.stdin.isTTY) throw usage(`rm deletes ${ref.repoId} from the hub cache (${cacheDir}) and cannot ask here (no terminal): add --yes to confirm`);
    if (!(await confirm(`Remove ${ref.repoId} (${formatBytes(bytes)}) from ${cacheDir}? [y/N] `))) {
      io.err('fastast: nothing removed\n');
      return EXIT_OK;
    }
  }
  if (!(await removeCachedRepo(cacheDir, ref.repoId))) throw new FastAstError('MODEL_NOT_CACHED', `${ref.repoId} is not in the hub cache (${cacheDir})`);
  io.err(`fastast: removed ${ref.repoId} (${formatBytes(bytes)}) from ${cacheDir}\n`);
  return EXIT_OK;
}

export async function runModelsCommand(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  // import has its own flags (geometry overrides), so it parses its own arguments.
  if (sub === 'import') return runModelsImport(rest, io);
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.out(MODELS_HELP);
    return EXIT_OK;
  }
  const { values: v, positionals } = parse(rest);
  if (v.help) {
    io.out(MODELS_HELP);
    return EXIT_OK;
  }
  switch (sub) {
    case 'list':
      if (positionals.length > 0) throw usage(`"fastast models list" takes no argument, got "${positionals[0]}"`);
      return list(Boolean(v.json), io);
    case 'pull':
      return pull(oneRepo('pull', positionals), v.revision, v.timeout, io);
    case 'rm':
      return remove(oneRepo('rm', positionals), Boolean(v.yes), io);
    default:
      throw usage(`unknown subcommand "models ${sub}"; use list, pull, import or rm`);
  }
}
