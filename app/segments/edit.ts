import { byTime, type Segment } from './types.js';

/**
 * The edit model of the segments table and timeline, as a pure reducer: every action returns a
 * new state and never changes the old one, so a UI store can hold it as is and React sees the
 * change by identity. Undo keeps snapshots of the segment list: edits replace one segment
 * object, the rest are shared, so a snapshot costs one array of references.
 */

export interface EditState {
  /** In time order. */
  segments: readonly Segment[];
  /** Most recent last. */
  past: readonly Snapshot[];
  future: readonly Snapshot[];
  /** Numbers ids of hand-drawn segments (user-1, user-2, …), so that ids stay unique across undo. */
  nextUserId: number;
}

interface Snapshot {
  /** What the edit did, for "Undo resize" in a menu. */
  what: EditKind;
  segments: readonly Segment[];
}

export type EditKind = 'add' | 'delete' | 'resize' | 'relabel' | 'review';

export interface NewSegment {
  file: string;
  label: string;
  startS: number;
  endS: number;
  lowHz?: number;
  highHz?: number;
}

export type EditAction =
  | { type: 'add'; segment: NewSegment }
  | { type: 'delete'; id: string }
  | { type: 'resize'; id: string; startS: number; endS: number }
  | { type: 'relabel'; id: string; label: string }
  | { type: 'review'; id: string; review: Segment['review'] }
  | { type: 'undo' }
  | { type: 'redo' }
  /** A new analysis or an import replaces the list; old edits cannot be undone into it. */
  | { type: 'reset'; segments: readonly Segment[] };

/** Undo depth: enough for a long review session, bounded so a day of edits does not grow without end. */
export const UNDO_LIMIT = 500;

export function initialEditState(segments: readonly Segment[] = []): EditState {
  return { segments: [...segments].sort(byTime), past: [], future: [], nextUserId: nextUserIdAbove(segments) };
}

export function canUndo(s: EditState): boolean {
  return s.past.length > 0;
}
export function canRedo(s: EditState): boolean {
  return s.future.length > 0;
}
/** The edit the next undo reverts ("Undo relabel"), or null. */
export function undoLabel(s: EditState): EditKind | null {
  return s.past.at(-1)?.what ?? null;
}
export function redoLabel(s: EditState): EditKind | null {
  return s.future.at(-1)?.what ?? null;
}

export function editSegments(state: EditState, action: EditAction): EditState {
  switch (action.type) {
    case 'undo': {
      const last = state.past.at(-1);
      if (!last) return state;
      return {
        ...state,
        segments: last.segments,
        past: state.past.slice(0, -1),
        future: [...state.future, { what: last.what, segments: state.segments }],
      };
    }
    case 'redo': {
      const next = state.future.at(-1);
      if (!next) return state;
      return {
        ...state,
        segments: next.segments,
        past: [...state.past, { what: next.what, segments: state.segments }],
        future: state.future.slice(0, -1),
      };
    }
    case 'reset':
      // Ids stay unique across the reset: above every id this state gave out, and above every
      // user-N in the incoming list (an import holds the user-N of the session that exported it).
      return { ...initialEditState(action.segments), nextUserId: Math.max(state.nextUserId, nextUserIdAbove(action.segments)) };
    case 'add':
      return addSegment(state, action.segment);
    default: {
      const next = changeOne(state.segments, action);
      return next === state.segments ? state : commit(state, action.type, next);
    }
  }
}

/** 1 + the highest N among ids `user-N` in the list (1 when there is none). */
function nextUserIdAbove(segments: readonly Segment[]): number {
  let next = 1;
  for (const s of segments) {
    const m = /^user-(\d+)$/.exec(s.id);
    if (m) next = Math.max(next, Number(m[1]) + 1);
  }
  return next;
}

/** Records the current list for undo and moves to `segments`; a new edit clears redo. */
function commit(state: EditState, what: EditKind, segments: readonly Segment[], nextUserId = state.nextUserId): EditState {
  const past = [...state.past, { what, segments: state.segments }].slice(-UNDO_LIMIT);
  return { segments, past, future: [], nextUserId };
}

function addSegment(state: EditState, n: NewSegment): EditState {
  const label = n.label.trim();
  if (!label || !Number.isFinite(n.startS) || !Number.isFinite(n.endS)) return state;
  const [startS, endS] = ordered(n.startS, n.endS);
  const segment: Segment = {
    id: `user-${state.nextUserId}`,
    file: n.file,
    label,
    startS,
    endS,
    maxScore: null,
    meanScore: null,
    source: 'user',
    // A segment the user drew is one they mean; it needs no review.
    review: 'accepted',
    ...(n.lowHz !== undefined && n.highHz !== undefined ? { lowHz: n.lowHz, highHz: n.highHz } : {}),
  };
  return commit(state, 'add', [...state.segments, segment].sort(byTime), state.nextUserId + 1);
}

/** Dragging an edge past the other one swaps them; nothing starts before 0. */
function ordered(a: number, b: number): [number, number] {
  return [Math.max(0, Math.min(a, b)), Math.max(0, a, b)];
}

/** Applies a one-segment edit; returns the same array when nothing changes (unknown id, no-op). */
function changeOne(
  segments: readonly Segment[],
  action: Extract<EditAction, { type: 'delete' | 'resize' | 'relabel' | 'review' }>,
): readonly Segment[] {
  const i = segments.findIndex((s) => s.id === action.id);
  if (i < 0) return segments;
  const s = segments[i];
  if (action.type === 'delete') return segments.filter((_, j) => j !== i);
  let next: Segment = s;
  if (action.type === 'resize') {
    if (!Number.isFinite(action.startS) || !Number.isFinite(action.endS)) return segments;
    const [startS, endS] = ordered(action.startS, action.endS);
    // The scores stay: it is still the model's detection of this label, with edges adjusted.
    if (startS !== s.startS || endS !== s.endS) next = { ...s, startS, endS };
  } else if (action.type === 'relabel') {
    const label = action.label.trim();
    // The model never scored the new label here, so its scores would mislead: the segment becomes the user's.
    if (label && label !== s.label) next = { ...s, label, source: 'user', maxScore: null, meanScore: null };
  } else if (action.review !== s.review) {
    next = { ...s, review: action.review };
  }
  if (next === s) return segments;
  const out = segments.slice();
  out[i] = next;
  return action.type === 'resize' ? out.sort(byTime) : out;
}
