// Sizes the audio view's rows share, in CSS pixels. Apart so that every row can line up with the
// others without importing the component that draws them.

/** Width of the left gutter (the spectrogram's Hz axis; the other rows leave it empty). */
export const AXIS_W = 48;
/** Height of the waveform. */
export const WAVE_H = 64;
/** Height of the spectrogram. */
export const SPEC_H = 120;
