import { useEffect, useRef } from 'react';
import WaveSurfer from 'wavesurfer.js';
import MinimapPlugin from 'wavesurfer.js/dist/plugins/minimap.esm.js';
import RegionsPlugin, { type Region } from 'wavesurfer.js/dist/plugins/regions.esm.js';
import ZoomPlugin from 'wavesurfer.js/dist/plugins/zoom.esm.js';
import { addSegment } from '../actions';
import { api } from '../api/client';
import { hz } from '../lib/format';
import { WAVE_H } from '../lib/layout';
import { formatClock } from '../lib/mel';
import { noteZoom, registerPlayer, togglePlay, zoomBy, zoomFit } from '../lib/player';
import { useFile } from '../stores/file';
import { useMerge } from '../stores/merge';
import { useUi, type Selection } from '../stores/ui';
import { AmplitudeAxis, TimeAxis } from './AudioAxes';
import { TargetIcon } from './icons';
import { LabelLane } from './LabelLane';
import { LaneFoot } from './LaneFoot';
import { SpectrogramRow } from './SpectrogramRow';

export function AudioView() {
  const file = useFile((s) => s.file);
  const peaks = useFile((s) => s.peaks);
  const playing = useUi((s) => s.playing);
  const time = useUi((s) => s.currentTime);
  const loop = useUi((s) => s.loop);
  const selection = useUi((s) => s.selection);
  const waveRef = useRef<HTMLDivElement>(null);
  const overviewRef = useRef<HTMLDivElement>(null);
  const regionsRef = useRef<RegionsPlugin | null>(null);

  useEffect(() => {
    if (!file || !peaks || !waveRef.current || !overviewRef.current) return;
    const regions = RegionsPlugin.create();
    regionsRef.current = regions;
    const media = new Audio();
    media.preload = 'auto';
    const ws = WaveSurfer.create({
      container: waveRef.current,
      height: WAVE_H,
      waveColor: '#6f8fd8',
      progressColor: '#3b5bab',
      cursorColor: '#ff6b8b',
      cursorWidth: 2,
      media,
      normalize: true,
      fillParent: true,
      minPxPerSec: 0,
      autoScroll: true,
      autoCenter: false,
      hideScrollbar: false,
      dragToSeek: false,
      plugins: [
        regions,
        MinimapPlugin.create({ container: overviewRef.current, height: 26, waveColor: '#4a5a80', progressColor: '#2d3a5c', overlayColor: 'rgba(255,255,255,0.16)', cursorColor: '#ff6b8b' }),
        ZoomPlugin.create({ scale: 0.25, maxZoom: 4000, exponentialZooming: true, iterations: 40 }),
      ],
    });
    const unregister = registerPlayer(ws);
    void ws.load(api().mediaUrl(file.media), [peaks], file.durationS).catch((e) => {
      if ((e as Error).name !== 'AbortError') useUi.getState().notify('error', `Playback unavailable: ${(e as Error).message}`);
    });

    const updateView = () => {
      const wrapper = ws.getWrapper();
      const scrollEl = wrapper.parentElement;
      const widthPx = scrollEl?.clientWidth ?? wrapper.clientWidth;
      const total = wrapper.scrollWidth || widthPx;
      const dur = file.durationS;
      const left = ws.getScroll();
      const startS = (left / total) * dur;
      const endS = Math.min(dur, ((left + widthPx) / total) * dur);
      noteZoom(total / dur > widthPx / dur + 0.01 ? total / dur : 0);
      useUi.getState().setView({ startS, endS, widthPx });
    };
    ws.on('ready', updateView);
    ws.on('redrawcomplete', updateView);
    ws.on('scroll', updateView);
    ws.on('zoom', () => requestAnimationFrame(updateView));
    ws.on('timeupdate', (t) => useUi.getState().setTime(t));
    ws.on('play', () => useUi.getState().setPlaying(true));
    ws.on('pause', () => useUi.getState().setPlaying(false));
    ws.on('finish', () => useUi.getState().setPlaying(false));
    const ro = new ResizeObserver(() => requestAnimationFrame(updateView));
    ro.observe(waveRef.current);

    // The focused model window: a draggable band; moving it re-runs the merge view.
    const focusS = useMerge.getState().focusS;
    const focus = regions.addRegion({
      id: 'focus',
      start: focusS,
      end: Math.min(file.durationS, focusS + file.windowS),
      color: 'rgba(255, 200, 80, 0.16)',
      drag: true,
      resize: false,
      content: regionLabel('model window ⇔'),
    });
    if (focus.element) {
      focus.element.style.borderLeft = '1px solid rgba(255, 200, 80, 0.9)';
      focus.element.style.borderRight = '1px solid rgba(255, 200, 80, 0.9)';
      focus.element.title = 'The model window shown in the merge view: drag to move it';
    }
    const placeFocus = () => {
      const s = useMerge.getState().focusS;
      focus.setOptions({ start: s, end: Math.min(file.durationS, s + file.windowS) });
    };
    regions.enableDragSelection({ color: SELECTION_COLOR }, 3);
    // A box drawn on the spectrogram shows here as a time span; while it is placed, the region
    // events it raises are not a new selection (they would drop its band).
    let syncing = false;
    const syncSelection = (sel: Selection | null) => {
      const cur = regions.getRegions().find((x) => x.id !== 'focus');
      if (!sel) return cur?.remove();
      if (cur && Math.abs(cur.start - sel.startS) < 1e-3 && Math.abs(cur.end - sel.endS) < 1e-3) return;
      syncing = true;
      cur?.remove();
      regions.addRegion({ start: sel.startS, end: sel.endS, color: SELECTION_COLOR });
      syncing = false;
    };
    regions.on('region-created', (r: Region) => {
      if (r.id === 'focus' || syncing) return;
      for (const other of regions.getRegions()) if (other !== r && other.id !== 'focus') other.remove();
      useUi.getState().setSelection({ startS: r.start, endS: r.end });
    });
    regions.on('region-updated', (r: Region) => {
      if (r.id === 'focus') useMerge.getState().focus(r.start);
      else useUi.getState().setSelection({ ...useUi.getState().selection, startS: r.start, endS: r.end });
    });
    // A region added before wavesurfer knows the duration has its start clamped to 0 s (coming
    // back from the Lab, the band sat at 0 s while the merge view showed another window). This
    // listener comes after the plugin's own 'ready' one, which sets the duration: placed again
    // here, the band goes where the store says.
    ws.on('ready', () => {
      placeFocus();
      syncSelection(useUi.getState().selection);
    });
    const unsubSelection = useUi.subscribe((s, prev) => {
      if (s.selection !== prev.selection) syncSelection(s.selection);
    });
    regions.on('region-out', (r: Region) => {
      if (r.id !== 'focus' && useUi.getState().loop && ws.isPlaying()) r.play();
    });
    regions.on('region-double-clicked', (r: Region, e: MouseEvent) => {
      e.stopPropagation();
      if (r.id !== 'focus') {
        r.remove();
        useUi.getState().setSelection(null);
      }
    });
    const unsubFocus = useMerge.subscribe((s, prev) => {
      if (s.focusS !== prev.focusS && Math.abs(focus.start - s.focusS) > 1e-3) {
        focus.setOptions({ start: s.focusS, end: Math.min(file.durationS, s.focusS + file.windowS) });
      }
    });
    return () => {
      unsubFocus();
      unsubSelection();
      ro.disconnect();
      ws.destroy();
      media.removeAttribute('src');
      media.load();
      unregister();
      regionsRef.current = null;
      useUi.getState().setPlaying(false);
      useUi.getState().setTime(0);
    };
  }, [file, peaks]);

  const playSelection = () => {
    const r = regionsRef.current?.getRegions().find((x) => x.id !== 'focus');
    if (r) r.play();
    else togglePlay();
  };

  return (
    <section className="panel audio" data-testid="audio-view">
      <div className="toolbar">
        <button onClick={togglePlay} data-testid="play-button" title="Play / pause (space)" className="play">
          {playing ? '❚❚ Pause' : '▶ Play'}
        </button>
        <span className="clock" data-testid="clock">
          {formatClock(time)} / {formatClock(file?.durationS ?? 0)}
        </span>
        <span className="sep" />
        <button className="small" onClick={() => zoomBy(1 / 1.6)} title="Zoom out (−)" data-testid="zoom-out">
          −
        </button>
        <button className="small" onClick={() => zoomBy(1.6)} title="Zoom in (+, or the mouse wheel)" data-testid="zoom-in">
          +
        </button>
        <button className="small" onClick={zoomFit} title="Fit the whole file (0)" data-testid="zoom-fit">
          Fit
        </button>
        <ViewReadout />
        <span className="sep" />
        <label className="check" title="Loop over the selection (drag on the waveform to select)">
          <input type="checkbox" checked={loop} onChange={(e) => useUi.getState().setLoop(e.target.checked)} /> Loop
        </label>
        {selection && <SelectionTools selection={selection} onPlay={playSelection} />}
        <span className="grow" />
        <button className="small" onClick={() => useMerge.getState().focus(useUi.getState().currentTime)} title="Move the model window to the playhead">
          Window at playhead
        </button>
      </div>
      <div className="overview-row">
        <div className="axis-gutter muted">all</div>
        <div className="overview" ref={overviewRef} data-testid="overview" />
      </div>
      <div className="wave-row">
        <AmplitudeAxis />
        <div className="wave" ref={waveRef} data-testid="waveform" />
      </div>
      <SpectrogramRow />
      <LabelLane />
      <TimeAxis />
      <LaneFoot />
    </section>
  );
}

function ViewReadout() {
  const view = useUi((s) => s.view);
  return (
    <span className="muted small-text" data-testid="view-range">
      view {view.startS.toFixed(2)}–{view.endS.toFixed(2)} s
    </span>
  );
}

/** The selection's readout and what can be done with it: play, move the model window there, make a segment. */
function SelectionTools({ selection, onPlay }: { selection: Selection; onPlay: () => void }) {
  const band = selection.lowHz !== undefined && selection.highHz !== undefined;
  return (
    <span className="muted small-text selection-tools" data-testid="selection">
      sel {selection.startS.toFixed(2)}–{selection.endS.toFixed(2)} s
      {band && (
        <span data-testid="selection-band">
          {' '}
          · {hz(selection.lowHz!)}–{hz(selection.highHz!)}
        </span>
      )}
      <button className="small" onClick={onPlay} title="Play the selection">
        ▶
      </button>
      <button className="small" onClick={() => useMerge.getState().focus(selection.startS)} title="Put the model window at the selection" data-testid="selection-focus">
        <TargetIcon />
      </button>
      <button
        className="small"
        onClick={() => addSegment(selection.startS, selection.endS, undefined, selection)}
        title={band ? 'Make a segment of this box (with its low and high frequency)' : 'Make a segment of this span'}
        data-testid="selection-segment"
      >
        + Segment
      </button>
    </span>
  );
}

const SELECTION_COLOR = 'rgba(120, 200, 255, 0.22)';

function regionLabel(text: string): HTMLElement {
  const el = document.createElement('div');
  el.textContent = text;
  Object.assign(el.style, { fontSize: '10px', padding: '1px 4px', whiteSpace: 'nowrap', color: '#ffd27a', background: 'rgba(10,12,16,0.6)', display: 'inline-block' });
  return el;
}
