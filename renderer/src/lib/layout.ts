// Sizes the audio view's rows share, in CSS pixels. Apart so that every row can line up with the
// others without importing the component that draws them.

/** Width of the left gutter (the spectrogram's Hz axis; the other rows leave it empty). */
export const AXIS_W = 48;
/** Height of the waveform. */
export const WAVE_H = 64;
/** Height of the spectrogram. */
export const SPEC_H = 120;

/** Margins of the merge view's plot inside its canvas: room for the Hz axis (left) and the time axis (bottom). */
export const MERGE_MARGIN = { left: 50, right: 10, top: 8, bottom: 22 };
