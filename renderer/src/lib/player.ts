/**
 * The one WaveSurfer instance, behind the calls the rest of the renderer makes on it (toolbar
 * buttons, keyboard shortcuts, segment review). AudioView creates the instance and registers
 * it; everything else goes through these functions, which do nothing while no file is loaded.
 */
import type WaveSurfer from 'wavesurfer.js';
import { useUi } from '../stores/ui';

let player: WaveSurfer | null = null;
/** Zoom in pixels per second; 0 = the whole file fits (wavesurfer's own meaning of 0). */
let pxPerSecNow = 0;

/** Makes `ws` the player; the returned function unregisters it (only if it is still the player). */
export function registerPlayer(ws: WaveSurfer): () => void {
  player = ws;
  pxPerSecNow = 0;
  return () => {
    if (player === ws) player = null;
  };
}

/** AudioView reports the zoom it sees after wavesurfer redraws (0 = fit), so that zoomBy steps from it. */
export function noteZoom(pxPerSec: number): void {
  pxPerSecNow = pxPerSec;
}

export function zoomBy(factor: number): void {
  const ws = player;
  if (!ws) return;
  const width = useUi.getState().view.widthPx || 800;
  const dur = ws.getDuration() || 1;
  const fit = width / dur;
  const cur = pxPerSecNow || fit;
  const next = Math.max(fit, Math.min(cur * factor, 4000));
  pxPerSecNow = next <= fit * 1.0001 ? 0 : next;
  ws.zoom(pxPerSecNow);
}

/** Wheel over the spectrogram or label lane: zoom (vertical wheel) or scroll (shift / horizontal). */
export function onTimeWheel(e: WheelEvent): void {
  const ws = player;
  if (!ws) return;
  e.preventDefault();
  const horizontal = e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY);
  if (horizontal) ws.setScroll(ws.getScroll() + (e.shiftKey ? e.deltaY : e.deltaX));
  else if (e.deltaY !== 0) zoomBy(e.deltaY < 0 ? 1.25 : 1 / 1.25);
}

export function zoomFit(): void {
  pxPerSecNow = 0;
  player?.zoom(0);
}

export function togglePlay(): void {
  void player?.playPause();
}

export function seekTo(t: number): void {
  player?.setTime(Math.max(0, t));
}

/** Plays [startS, endS) and stops there; a second call while it plays pauses. */
export function playRange(startS: number, endS: number): void {
  const ws = player;
  if (!ws) return;
  if (ws.isPlaying()) {
    ws.pause();
    return;
  }
  void ws.play(Math.max(0, startS), Math.min(ws.getDuration() || endS, endS));
}

/** Scrolls the time axis so that [startS, endS) is in view (when zoomed in). */
export function revealRange(startS: number, endS: number): void {
  const ws = player;
  if (!ws) return;
  const v = useUi.getState().view;
  const span = v.endS - v.startS;
  if (span <= 0 || (startS >= v.startS && endS <= v.endS)) return;
  ws.setScrollTime(Math.max(0, endS - startS < span ? startS - (span - (endS - startS)) / 2 : startS));
}
