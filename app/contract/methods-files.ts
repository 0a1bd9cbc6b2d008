/** Files: the host's file browser, opening and closing recordings, peaks and the display spectrogram. */
import { count, empty, id, path } from './fields.js';
import { s, type Infer, type MethodTable } from './schema.js';

export const FileInfo = s.object({
  fileId: id,
  path: s.string({ max: 4096 }),
  name: s.string({ max: 1024 }),
  durationS: s.number({ min: 0 }),
  sampleRate: s.number({ int: true, min: 1 }),
  numSamples: count,
  /** Name of the decoded 16-bit WAV the UI plays (host-relative; the transport makes it a URL). */
  media: s.string({ max: 256, pattern: /^[\w.-]+\.wav$/ }),
  /** Model windows at the default hop (whole file, last one padded). */
  windowS: s.number({ min: 0 }),
});
export type FileInfo = Infer<typeof FileInfo>;

export const FsEntry = s.object({ name: s.string({ max: 1024 }), path: s.string({ max: 4096 }), kind: s.enum(['dir', 'audio', 'model'] as const) });
export type FsEntry = Infer<typeof FsEntry>;

export const fileMethods = {
  /** Lists a folder's sub-folders and audio files (serve's file browser; Electron's Open folder). */
  'fs.list': {
    params: s.object({ dir: s.optional(path) }),
    result: s.object({ dir: s.string({ max: 4096 }), parent: s.nullable(s.string({ max: 4096 })), entries: s.array(FsEntry, { max: 100_000 }) }),
  },
  /** Decodes a file (progress events: phase "decode"). */
  'file.open': { params: s.object({ path }), result: FileInfo },
  'file.close': { params: s.object({ fileId: id }), result: empty },
  /** Max |sample| per bucket over [startS, endS). */
  'file.peaks': {
    params: s.object({ fileId: id, startS: s.number({ min: 0 }), endS: s.number({ min: 0 }), count: s.number({ int: true, min: 1, max: 4_000_000 }) }),
    result: s.object({ startS: s.number(), endS: s.number(), peaks: s.f32() }),
  },
  /** Log-mel spectrogram of [startS, endS) in `cols` columns (one sampled frame each), 0…255. */
  'file.spectrogram': {
    params: s.object({
      fileId: id,
      startS: s.number({ min: 0 }),
      endS: s.number({ min: 0 }),
      cols: s.number({ int: true, min: 1, max: 8192 }),
    }),
    result: s.object({
      startS: s.number(),
      endS: s.number(),
      cols: count,
      bins: count,
      /** Column-major: data[col * bins + bin], bin 0 = lowest band. */
      data: s.u8(),
      melEdgesHz: s.f32(),
    }),
  },
} satisfies MethodTable;
