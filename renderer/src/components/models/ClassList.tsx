/**
 * What the model knows: its class count on a button in the top bar, and a searchable list of
 * its classes. Where the labels are AudioSet's, each shows its place in the ontology and the
 * search matches ancestors too: "Animal" lists "Dog", "Bark" and the rest of the branch.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { searchLabels } from '../../lib/label-filter';
import { useModelStore } from '../../stores/model-store';
import { useModels } from '../../stores/models';
import { useActiveLabels } from './use-labels';

/** Rows drawn at once; a search narrows the rest (527 rows are cheap, 100 000 would not be). */
const MAX_ROWS = 600;

export function ClassesButton() {
  const active = useModels((s) => s.active);
  const open = useModelStore((s) => s.classesOpen);
  const setOpen = useModelStore((s) => s.setClassesOpen);
  const box = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    if (!open) return;
    const away = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    const esc = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    window.addEventListener('mousedown', away);
    window.addEventListener('keydown', esc);
    return () => {
      window.removeEventListener('mousedown', away);
      window.removeEventListener('keydown', esc);
    };
  }, [open, setOpen]);
  if (!active) return null;
  return (
    <span className="classes-anchor" ref={box}>
      <button
        className={`small ${open ? 'on' : ''}`}
        onClick={() => setOpen(!open)}
        data-testid="classes-button"
        title={`${active.name} knows ${active.classes} classes (${active.multiLabel ? 'sigmoid: several at once' : 'softmax: one per window'}); search them`}
      >
        {active.classes} classes ▾
      </button>
      {open && <ClassList />}
    </span>
  );
}

export function ClassList() {
  const active = useModels((s) => s.active);
  const entries = useActiveLabels();
  const [query, setQuery] = useState('');
  const found = useMemo(() => searchLabels(entries?.labels ?? [], query), [entries, query]);
  return (
    <div className="class-list panel" data-testid="class-list">
      <div className="class-list-head">
        <input type="text" autoFocus placeholder={entries?.ontology ? 'search classes or a branch (Animal, Music…)' : 'search classes'} value={query} onChange={(e) => setQuery(e.target.value)} data-testid="class-search" spellCheck={false} />
        <span className="muted small-text" data-testid="class-count">
          {query.trim() ? `${found.length} of ${active?.classes ?? 0}` : `${active?.classes ?? 0} classes`}
          {entries?.ontology === 'audioset' ? ' · AudioSet ontology' : ''}
        </span>
      </div>
      <ol className="class-rows">
        {!entries && <li className="muted">reading the labels…</li>}
        {found.slice(0, MAX_ROWS).map((e) => (
          // Ancestors are a set, root first, not one path (a node may have several parents): joined by "·", not "›".
          <li key={e.name} data-testid="class-row" title={e.ancestors.length ? `${e.name}, under: ${e.ancestors.join(' · ')}` : e.name}>
            <span className="class-name">{e.name}</span>
            {e.ancestors.length > 0 && <span className="muted small-text"> in {e.ancestors.join(' · ')}</span>}
          </li>
        ))}
        {found.length > MAX_ROWS && <li className="muted">… {found.length - MAX_ROWS} more: narrow the search</li>}
        {entries && found.length === 0 && <li className="muted">no class matches “{query.trim()}”: this model cannot name it</li>}
      </ol>
    </div>
  );
}
