import { useFolder } from '../../stores/folder';
import { useLab } from '../../stores/lab';

/** Workstation ↔ Lab ↔ Folder ↔ Models, in the top bar. A running sweep shows on the Lab button. */
export function ViewSwitch() {
  const view = useLab((s) => s.view);
  const setView = useLab((s) => s.setView);
  const running = useLab((s) => s.running);
  const folderRunning = useFolder((s) => s.running);
  const p = running?.progress;
  const share = p && p.stage !== 'open' && p.total > 0 ? Math.floor((p.done / p.total) * 100) : null;
  return (
    <span className="segmented view-switch" role="tablist">
      <button role="tab" aria-selected={view === 'workstation'} className={view === 'workstation' ? 'on' : ''} onClick={() => setView('workstation')} data-testid="view-workstation" title="Open recordings, see what the model merges">
        Workstation
      </button>
      <button role="tab" aria-selected={view === 'lab'} className={view === 'lab' ? 'on' : ''} onClick={() => setView('lab')} data-testid="view-lab" title="Accuracy and speed lab: sweep a labelled set over merge settings">
        Lab{running ? ` · ${share !== null ? `${share}%` : '…'}` : ''}
      </button>
      <button role="tab" aria-selected={view === 'folder'} className={view === 'folder' ? 'on' : ''} onClick={() => setView('folder')} data-testid="view-folder" title="Analyse every audio file of a folder, export all their segments at once">
        Folder{folderRunning ? ' · …' : ''}
      </button>
      <button role="tab" aria-selected={view === 'models'} className={view === 'models' ? 'on' : ''} onClick={() => setView('models')} data-testid="view-models" title="Installed models, downloads from the hub, .pth import">
        Models
      </button>
    </span>
  );
}
