/**
 * The audio view's scales: the time axis under the rows, the waveform's amplitude axis, and the
 * spectrogram's dB colour bar with the colour-map choice (which the merge view's input follows).
 */
import { useEffect, useMemo, useRef } from 'react';
import { fitCanvas } from '../lib/canvas';
import { COLOR_MAP_NAMES, isColorMapName, mapGradient } from '../lib/color';
import { useElementSize } from '../lib/hooks';
import { AXIS_W, WAVE_H } from '../lib/layout';
import { amplitudeTicks, timeTicks } from '../lib/mel';
import { useFile } from '../stores/file';
import { useUi } from '../stores/ui';
import { UI_FONT } from '../lib/font';

/**
 * Levels the audio view's spectrogram spans: the host maps DISPLAY_DB_RANGE dB below the file's
 * loud end (its 99.5th percentile) to the colour map (main/host/spectrogram.ts, DB_RANGE).
 */
export const DISPLAY_DB_RANGE = 80;

export function TimeAxis() {
  const view = useUi((s) => s.view);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [boxRef, box] = useElementSize<HTMLDivElement>();
  useEffect(() => {
    const c = canvasRef.current;
    if (!c || box.width <= 0) return;
    const H = 18;
    const ctx = fitCanvas(c, box.width, H);
    ctx.clearRect(0, 0, box.width, H);
    ctx.strokeStyle = '#5a6478';
    ctx.fillStyle = '#9aa4b8';
    ctx.font = `10px ${UI_FONT}`;
    ctx.textBaseline = 'top';
    const span = view.endS - view.startS;
    for (const tick of timeTicks(view.startS, view.endS, box.width)) {
      const x = ((tick.t - view.startS) / span) * box.width;
      ctx.beginPath();
      ctx.moveTo(x + 0.5, 0);
      ctx.lineTo(x + 0.5, 4);
      ctx.stroke();
      ctx.textAlign = x < 20 ? 'left' : x > box.width - 20 ? 'right' : 'center';
      ctx.fillText(tick.label, x, 5);
    }
  }, [view, box.width]);
  return (
    <div className="time-row">
      <div className="axis-gutter muted">s</div>
      <div className="time-axis" ref={boxRef}>
        <canvas ref={canvasRef} />
      </div>
    </div>
  );
}

/**
 * Amplitude axis beside the waveform. The waveform is drawn normalised (its loudest peak fills
 * the height), so the axis is labelled with that peak's real value, as a fraction of full scale.
 */
export function AmplitudeAxis() {
  const peaks = useFile((s) => s.peaks);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const peak = useMemo(() => {
    let m = 0;
    if (peaks) for (let i = 0; i < peaks.length; i++) m = Math.max(m, Math.abs(peaks[i]));
    return m;
  }, [peaks]);
  useEffect(() => {
    const c = canvasRef.current;
    if (!c) return;
    const ctx = fitCanvas(c, AXIS_W, WAVE_H);
    ctx.clearRect(0, 0, AXIS_W, WAVE_H);
    if (peak <= 0) return;
    ctx.strokeStyle = '#5a6478';
    ctx.fillStyle = '#9aa4b8';
    ctx.font = `10px ${UI_FONT}`;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const t of amplitudeTicks(peak)) {
      const y = WAVE_H / 2 - (t.value / peak) * (WAVE_H / 2);
      ctx.beginPath();
      ctx.moveTo(AXIS_W - 4, Math.round(y) + 0.5);
      ctx.lineTo(AXIS_W, Math.round(y) + 0.5);
      ctx.stroke();
      ctx.fillText(t.label, AXIS_W - 6, Math.max(5, Math.min(WAVE_H - 5, y)));
    }
  }, [peak]);
  return <canvas ref={canvasRef} className="axis-canvas" data-testid="amplitude-axis" data-peak={peak.toFixed(4)} title="Amplitude, as a fraction of full scale (the waveform is scaled so its loudest peak fills the height)" />;
}

/** The spectrograms' colour map, and the dB colour bar of the audio view's spectrogram. */
export function SpectrogramScale() {
  const colorMap = useUi((s) => s.colorMap);
  return (
    <span className="spec-scale" data-testid="spec-scale">
      spectrogram
      <select
        value={colorMap}
        onChange={(e) => isColorMapName(e.target.value) && useUi.getState().setColorMap(e.target.value)}
        data-testid="color-map"
        aria-label="colour map"
        title="Colour map of both spectrograms"
      >
        {COLOR_MAP_NAMES.map((m) => (
          <option key={m} value={m}>
            {m}
          </option>
        ))}
      </select>
      <span className="scale-end" title="dB below the file's loud end (its 99.5th percentile level)">
        −{DISPLAY_DB_RANGE}
      </span>
      <span className="color-bar" style={{ background: mapGradient(colorMap) }} />
      <span className="scale-end">0 dB</span>
    </span>
  );
}
