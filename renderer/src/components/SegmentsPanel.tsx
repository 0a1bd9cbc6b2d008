import { useEffect, useMemo, useRef } from 'react';
import { canRedo, canUndo, redoLabel, undoLabel, type Segment } from '../../../app/contract';
import { addSegment, deleteSelected, focusSegment, openExportDialog, openImportDialog, playSegment, rebuildFromAnalysis, reviewKey } from '../actions';
import { hz, plural } from '../lib/format';
import { useAnalysis } from '../stores/analysis';
import { useFile } from '../stores/file';
import { useModels } from '../stores/models';
import { isEdited, useSegments, visibleSegments, type SortKey } from '../stores/segments';
import { useUi } from '../stores/ui';
import { LowerTabs } from './LowerTabs';
import { labelColor } from '../lib/lane-rows';

const fmt = (t: number) => t.toFixed(2);
const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(0)}%`);

/** The segments table: sort, filter, select (linked to the timeline), relabel, review, undo, export. */
export function SegmentsPanel() {
  const edit = useSegments((s) => s.edit);
  const selectedId = useSegments((s) => s.selectedId);
  const sort = useSegments((s) => s.sort);
  const filter = useSegments((s) => s.filter);
  const editingId = useSegments((s) => s.editingId);
  const origin = useSegments((s) => s.origin);
  const importedFrom = useSegments((s) => s.importedFrom);
  const edited = useSegments(isEdited);
  const labels = useModels((s) => s.active?.labels ?? []);
  const selection = useUi((s) => s.selection);
  const hasResult = useAnalysis((s) => !!s.result);
  const file = useFile((s) => s.file);
  const rows = useMemo(() => visibleSegments(edit.segments, filter, sort), [edit.segments, filter, sort]);
  const present = useMemo(() => [...new Set(edit.segments.map((s) => s.label))].sort((a, b) => a.localeCompare(b)), [edit.segments]);
  const bodyRef = useRef<HTMLDivElement>(null);

  // The selected row stays in view (selected from the lane, or by the review keys).
  useEffect(() => {
    if (!selectedId) return;
    const el = bodyRef.current?.querySelector(`[data-id="${CSS.escape(selectedId)}"]`);
    (el as HTMLElement | null)?.scrollIntoView({ block: 'nearest' });
  }, [selectedId]);

  const selected = edit.segments.find((s) => s.id === selectedId) ?? null;
  const seg = useSegments.getState;
  const reviewed = edit.segments.filter((s) => s.review !== 'unreviewed').length;
  const u = undoLabel(edit);
  const r = redoLabel(edit);

  return (
    <section className="panel segments-panel" data-testid="segments-panel">
      <div className="toolbar">
        <LowerTabs />
        <button
          className="small"
          disabled={!file || !selection}
          onClick={() => selection && addSegment(selection.startS, selection.endS, undefined, selection)}
          title="Add a segment over the selection (drag on the waveform to select) — or drag on the segments lane"
          data-testid="segment-add"
        >
          + Add
        </button>
        <button className="small" disabled={!selected} onClick={() => selected && seg().setEditing(selected.id)} title="Relabel the selected segment (Enter, or double-click its label)" data-testid="segment-relabel">
          Relabel
        </button>
        <button className="small" disabled={!selected} onClick={deleteSelected} title="Delete the selected segment (Delete)" data-testid="segment-delete">
          Delete
        </button>
        <span className="sep" />
        <button className="small" disabled={!canUndo(edit)} onClick={() => seg().undo()} title={`Undo${u ? ' ' + u : ''} (Ctrl+Z)`} data-testid="undo">
          ↶ Undo
        </button>
        <button className="small" disabled={!canRedo(edit)} onClick={() => seg().redo()} title={`Redo${r ? ' ' + r : ''} (Shift+Ctrl+Z or Ctrl+Y)`} data-testid="redo">
          ↷ Redo
        </button>
        <span className="grow" />
        {origin === 'analysis' && edited && (
          <button className="small" onClick={rebuildFromAnalysis} title="Rebuild the list from the analysis at the current threshold (drops your edits)">
            Rebuild
          </button>
        )}
        <button className="small" disabled={!file} onClick={openImportDialog} title="Read segments from Audacity labels, a Raven table or FastAST JSON" data-testid="import-open">
          Import…
        </button>
        <button className="small primary" disabled={!file || edit.segments.length === 0} onClick={() => openExportDialog()} title="Export the segments (Ctrl+E)" data-testid="export-open">
          Export…
        </button>
      </div>
      <div className="toolbar filter-bar">
        <label title="Show one label only">
          label
          <select value={filter.label} onChange={(e) => seg().setFilter({ label: e.target.value })} data-testid="segments-label-filter">
            <option value="">all</option>
            {present.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label title="Hide model segments whose max score is below this (hand-drawn ones always show)">
          score ≥
          <input
            type="number"
            className="num"
            min={0}
            max={1}
            step={0.05}
            value={filter.minScore}
            onChange={(e) => seg().setFilter({ minScore: Math.max(0, Math.min(1, Number(e.target.value) || 0)) })}
            data-testid="segments-min-score"
          />
        </label>
        <span className="muted small-text shown-count" data-testid="segments-shown">
          {rows.length === edit.segments.length ? plural(rows.length, 'segment') : `${rows.length} of ${edit.segments.length} shown`} · {reviewed} reviewed
          {origin === 'import' && importedFrom ? ` · from ${importedFrom}` : ''}
          {!hasResult && origin !== 'import' && edit.segments.length === 0 ? ' · run the analysis, import, or drag on the lane' : ''}
        </span>
      </div>
      <div className="segments-table" ref={bodyRef}>
        <table data-testid="segments-table">
          <thead>
            <tr>
              <th className="n">#</th>
              <SortHead k="time" label="start" title="Sort by time" />
              <th className="num">end</th>
              <th className="num">length</th>
              <th className="num" title="Frequency band (a box drawn on the spectrogram, or imported from Raven / Audacity); — = the whole band">band</th>
              <SortHead k="label" label="label" title="Sort by label" />
              <SortHead k="score" label="max" title="Sort by confidence (max score)" className="num" />
              <th className="num">mean</th>
              <th>review</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((s, i) => (
              <Row key={s.id} s={s} n={i + 1} selected={s.id === selectedId} editing={s.id === editingId} labels={labels} />
            ))}
          </tbody>
        </table>
        {rows.length === 0 && <div className="muted empty-rows">{edit.segments.length ? 'no segment passes the filter' : 'no segments yet'}</div>}
        <datalist id="model-labels">
          {labels.map((l) => (
            <option key={l} value={l} />
          ))}
        </datalist>
      </div>
      <div className="keys-hint muted small-text" title="Drag on the segments lane to add a segment; drag a segment's edge to resize it">
        <kbd>↑</kbd> accept · <kbd>↓</kbd> reject · <kbd>←</kbd> back · <kbd>→</kbd> skip · <kbd>space</kbd> play ±0.25 s · <kbd>Enter</kbd> relabel · <kbd>Del</kbd> delete ·{' '}
        <kbd>Esc</kbd> deselect · <kbd>Ctrl+Z</kbd> undo · drag on the lane to add, on an edge to resize
      </div>
    </section>
  );
}

function SortHead({ k, label, title, className }: { k: SortKey; label: string; title: string; className?: string }) {
  const sort = useSegments((s) => s.sort);
  const on = sort.key === k;
  return (
    <th className={`sortable ${className ?? ''} ${on ? 'on' : ''}`} onClick={() => useSegments.getState().setSort(k)} title={title} data-testid={`sort-${k}`}>
      {label} {on ? (sort.dir === 1 ? '▲' : '▼') : ''}
    </th>
  );
}

function Row({ s, n, selected, editing, labels }: { s: Segment; n: number; selected: boolean; editing: boolean; labels: readonly string[] }) {
  const inputRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (editing) {
      inputRef.current?.focus();
      inputRef.current?.select();
    }
  }, [editing]);
  const commit = (value: string) => {
    const st = useSegments.getState();
    // Enter commits and unmounts the input, which may blur it: only the first of the two counts.
    if (st.editingId !== s.id) return;
    st.setEditing(null);
    if (value.trim() && value.trim() !== s.label) st.dispatch({ type: 'relabel', id: s.id, label: value });
  };
  return (
    <tr
      className={`${selected ? 'sel' : ''} ${s.review}`}
      data-testid="segment-row"
      data-id={s.id}
      onClick={() => {
        if (!selected) focusSegment(s.id);
      }}
    >
      <td className="n muted">{n}</td>
      <td className="num" data-testid="seg-start">
        {fmt(s.startS)}
      </td>
      <td className="num" data-testid="seg-end">
        {fmt(s.endS)}
      </td>
      <td className="num muted">{(s.endS - s.startS).toFixed(2)}</td>
      <td className="num muted band" data-testid="seg-band">
        {s.lowHz !== undefined && s.highHz !== undefined ? `${hz(s.lowHz)}–${hz(s.highHz)}` : '—'}
      </td>
      <td
        className="label-cell"
        data-testid="seg-label"
        onDoubleClick={() => useSegments.getState().setEditing(s.id)}
        title={editing ? 'Enter: set · Esc: cancel · model labels are offered, any text works' : 'Double-click to relabel'}
      >
        {editing ? (
          <input
            ref={inputRef}
            list="model-labels"
            defaultValue={s.label}
            className="relabel"
            data-testid="relabel-input"
            onClick={(e) => e.stopPropagation()}
            onKeyDown={(e) => {
              e.stopPropagation();
              if (e.key === 'Enter') commit((e.target as HTMLInputElement).value);
              if (e.key === 'Escape') useSegments.getState().setEditing(null);
            }}
            onBlur={(e) => commit(e.target.value)}
          />
        ) : (
          <>
            <i className="swatch" style={{ background: labelColor(s.label, labels) }} />
            {s.label}
            {s.source === 'user' && <span className="muted small-text"> · by hand</span>}
          </>
        )}
      </td>
      <td className="num">{pct(s.maxScore)}</td>
      <td className="num muted">{pct(s.meanScore)}</td>
      <td className="review" data-testid="seg-review">
        <button
          className={`tick ${s.review === 'accepted' ? 'on' : ''}`}
          title="Accept (↑)"
          onClick={(e) => {
            e.stopPropagation();
            useSegments.getState().dispatch({ type: 'review', id: s.id, review: s.review === 'accepted' ? 'unreviewed' : 'accepted' });
          }}
        >
          ✓
        </button>
        <button
          className={`cross ${s.review === 'rejected' ? 'on' : ''}`}
          title="Reject (↓)"
          onClick={(e) => {
            e.stopPropagation();
            useSegments.getState().dispatch({ type: 'review', id: s.id, review: s.review === 'rejected' ? 'unreviewed' : 'rejected' });
          }}
        >
          ✗
        </button>
      </td>
    </tr>
  );
}

/** Review keys for the segments tab (App's key handler calls this); true when the key was used. */
export function segmentsKey(e: KeyboardEvent): boolean {
  const seg = useSegments.getState();
  if (e.key === 'ArrowUp' || e.key === 'ArrowDown' || e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
    reviewKey(e.key);
    return true;
  }
  if (e.key === ' ' && seg.selectedId) {
    playSegment();
    return true;
  }
  if ((e.key === 'Delete' || e.key === 'Backspace') && seg.selectedId) {
    deleteSelected();
    return true;
  }
  if (e.key === 'Escape' && seg.selectedId) {
    seg.select(null);
    return true;
  }
  if (e.key === 'Enter' && seg.selectedId) {
    seg.setEditing(seg.selectedId);
    return true;
  }
  return false;
}
