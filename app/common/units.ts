// Units shared by the app, the contract and the renderer. No imports: everything may depend on this.

/** Kaldi fbank frames per second: a 10 ms frame shift, fixed by every AST recipe. */
// Divide by it (not multiply by 0.01): times like 10.24 s stay exact decimals.
export const FRAMES_PER_SECOND = 100;

/** Seconds covered by `frames` fbank frames. */
export const framesToSeconds = (frames: number): number => frames / FRAMES_PER_SECOND;
