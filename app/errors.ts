// The coded error lives in app/common (the contract and the renderer use it too); this path
// stays for the engine's many importers.
export { FastAstError, isFastAstError, type ErrorCode as FastAstErrorCode } from './common/errors.js';
