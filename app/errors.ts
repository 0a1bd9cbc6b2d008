/**
 * An error a user can act on: the message names the file, the tensor or the setting at fault.
 * `code` lets the CLI and the UI tell classes of failure apart without parsing text.
 */
export type FastAstErrorCode =
  | 'AUDIO_EMPTY'
  | 'AUDIO_UNREADABLE'
  | 'AUDIO_UNSUPPORTED'
  | 'AUDIO_TOO_LARGE'
  | 'FILE_NOT_FOUND'
  | 'CHECKPOINT_INVALID'
  | 'CHECKPOINT_TENSOR'
  | 'CONFIG_INVALID'
  | 'SCHEDULE_INVALID'
  | 'ENGINE_FAILED'
  | 'CANCELLED'
  | 'EXPORT_FAILED'
  | 'IMPORT_INVALID'
  | 'MODEL_NOT_CACHED'
  | 'DOWNLOAD_FAILED'
  | 'MODEL_STORE_FAILED'
  | 'USAGE';

export class FastAstError extends Error {
  constructor(
    readonly code: FastAstErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FastAstError';
  }
}

export function isFastAstError(e: unknown): e is FastAstError {
  return e instanceof FastAstError;
}
