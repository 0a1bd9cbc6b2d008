// The one coded error of the project. No imports: the engine, the hosts, the contract and the
// renderer all throw and catch this class, and the wire carries its code unchanged.

/** Every code an error may carry, on the wire (the contract's error envelope) and in the app. */
export const ERROR_CODES = [
  'AUDIO_EMPTY',
  'AUDIO_UNREADABLE',
  'AUDIO_UNSUPPORTED',
  'AUDIO_TOO_LARGE',
  'FILE_NOT_FOUND',
  'CHECKPOINT_INVALID',
  'CHECKPOINT_TENSOR',
  'CONFIG_INVALID',
  'SCHEDULE_INVALID',
  'ENGINE_FAILED',
  'CANCELLED',
  'USAGE',
  'EXPORT_FAILED',
  /** An export target exists and the call did not ask to overwrite it; the error's `paths` name the files. */
  'EXISTS',
  /** A path outside the folder `serve --root` confines the host to (after following symlinks). */
  'OUTSIDE_ROOT',
  'IMPORT_INVALID',
  /** A hub repo id with no copy in the hub cache (classify and eval never download). */
  'MODEL_NOT_CACHED',
  'DOWNLOAD_FAILED',
  /** The hub cache or a model folder could not be written. */
  'MODEL_STORE_FAILED',
  /** A message or a payload that breaks the contract (the schema validators throw it). */
  'BAD_REQUEST',
  'NO_MODEL',
  'UNKNOWN_FILE',
  'HOST_DIED',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * An error a user can act on: the message names the file, the tensor or the setting at fault.
 * `code` lets the CLI, the host and the UI tell classes of failure apart without parsing text.
 */
export class FastAstError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The files at stake, where a caller may act on them (EXISTS: the targets that would be overwritten). */
    readonly paths?: readonly string[],
  ) {
    super(message);
    this.name = 'FastAstError';
  }
}

export function isFastAstError(e: unknown): e is FastAstError {
  return e instanceof FastAstError;
}
