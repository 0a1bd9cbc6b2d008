/**
 * Segments: the labelled spans the user reviews, edits and exports. The edit model is
 * app/segments' pure undo/redo reducer (through app/contract); this store holds its state and
 * the table's view of it (selection, sort, filter). Every change of the list goes through
 * `dispatch`, so every edit can be undone.
 */
import { create } from 'zustand';
import {
  canRedo,
  canUndo,
  editSegments,
  initialEditState,
  type EditAction,
  type EditState,
  type Segment,
  type SelectionWire,
} from '../../../app/contract';

export type SortKey = 'time' | 'label' | 'score';
/** Where the list came from: an analysis (rebuilt from it while unedited) or an imported file. */
export type Origin = 'analysis' | 'import' | null;

export interface SegmentFilter {
  /** Exact label, '' = every label. */
  label: string;
  /** Lowest max score shown; segments without a score (drawn or relabelled by hand) always show. */
  minScore: number;
}

interface SegmentsState {
  edit: EditState;
  origin: Origin;
  /** Name of the imported file, when origin is 'import'. */
  importedFrom: string | null;
  selectedId: string | null;
  sort: { key: SortKey; dir: 1 | -1 };
  filter: SegmentFilter;
  /** The row whose label is being edited in the table. */
  editingId: string | null;
  /** A new list (analysis or import): undo history starts again. */
  reset(segments: readonly Segment[], origin: Origin, importedFrom?: string | null): void;
  /** One edit (add, delete, resize, relabel, review, undo, redo). */
  dispatch(action: EditAction): void;
  undo(): void;
  redo(): void;
  select(id: string | null): void;
  setSort(key: SortKey): void;
  setFilter(f: Partial<SegmentFilter>): void;
  setEditing(id: string | null): void;
}

export const useSegments = create<SegmentsState>((set, get) => ({
  edit: initialEditState(),
  origin: null,
  importedFrom: null,
  selectedId: null,
  sort: { key: 'time', dir: 1 },
  filter: { label: '', minScore: 0 },
  editingId: null,
  reset(segments, origin, importedFrom = null) {
    const edit = editSegments(get().edit, { type: 'reset', segments });
    const keep = get().selectedId;
    set({ edit, origin, importedFrom, editingId: null, selectedId: keep && edit.segments.some((s) => s.id === keep) ? keep : null });
  },
  dispatch(action) {
    const before = get().edit;
    const edit = editSegments(before, action);
    if (edit === before) return;
    const patch: Partial<SegmentsState> = { edit };
    // A freshly drawn segment is selected; a deleted (or undone-away) one is not.
    if (action.type === 'add') patch.selectedId = `user-${before.nextUserId}`;
    const sel = patch.selectedId ?? get().selectedId;
    if (sel && !edit.segments.some((s) => s.id === sel)) patch.selectedId = null;
    set(patch);
  },
  undo: () => get().dispatch({ type: 'undo' }),
  redo: () => get().dispatch({ type: 'redo' }),
  select: (selectedId) => set({ selectedId, editingId: get().editingId === selectedId ? get().editingId : null }),
  setSort(key) {
    const cur = get().sort;
    // A second click on the same column reverses it; confidence starts high-to-low.
    set({ sort: cur.key === key ? { key, dir: cur.dir === 1 ? -1 : 1 } : { key, dir: key === 'score' ? -1 : 1 } });
  },
  setFilter: (f) => set({ filter: { ...get().filter, ...f } }),
  setEditing: (editingId) => set({ editingId }),
}));

export const isEdited = (s: { edit: EditState }): boolean => canUndo(s.edit) || canRedo(s.edit);

/** The table's rows: filtered, then sorted (ties by time). */
export function visibleSegments(segments: readonly Segment[], filter: SegmentFilter, sort: { key: SortKey; dir: 1 | -1 }): Segment[] {
  const rows = segments.filter(
    (s) => (!filter.label || s.label === filter.label) && (filter.minScore <= 0 || s.maxScore === null || s.maxScore >= filter.minScore),
  );
  const byTime = (a: Segment, b: Segment) => a.startS - b.startS || a.endS - b.endS;
  const cmp =
    sort.key === 'time'
      ? byTime
      : sort.key === 'label'
        ? (a: Segment, b: Segment) => a.label.localeCompare(b.label) || byTime(a, b)
        : (a: Segment, b: Segment) => (a.maxScore ?? -1) - (b.maxScore ?? -1) || byTime(a, b);
  return rows.sort((a, b) => sort.dir * cmp(a, b) || byTime(a, b));
}

/** The table's filter as an export selection (the same rule: hand-drawn segments pass a score filter). */
export function filterSelection(filter: SegmentFilter): SelectionWire {
  return {
    kind: 'filter',
    ...(filter.label ? { labels: [filter.label] } : {}),
    ...(filter.minScore > 0 ? { minScore: filter.minScore } : {}),
  };
}

export function selectedSegment(): Segment | null {
  const { edit, selectedId } = useSegments.getState();
  return edit.segments.find((s) => s.id === selectedId) ?? null;
}
