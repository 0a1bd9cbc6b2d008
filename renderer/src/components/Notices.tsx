import { useUi } from '../stores/ui';

/**
 * Toasts, at the bottom left of the lower panel where they cover no control (the export
 * buttons sit at the right). Info and warnings expire by themselves (ui.notify); each has a ✕;
 * an error stays until closed, and a repeat of the last one counts up instead of stacking.
 */
export function Notices() {
  const notices = useUi((s) => s.notices);
  const dismiss = useUi((s) => s.dismiss);
  return (
    <div className="notices" role="status" data-testid="notices">
      {notices.map((n) => (
        <div key={n.id} className={`notice ${n.level}`} data-testid="notice">
          <span className="notice-text">
            {n.message}
            {n.repeats > 1 && <span className="muted"> ×{n.repeats}</span>}
          </span>
          {/* The ✕ comes from CSS, so that the notice's text (what tests and screen readers read) is the message alone. */}
          <button className="notice-close" onClick={() => dismiss(n.id)} aria-label="dismiss" title="Dismiss" data-testid="notice-close" />
        </div>
      ))}
    </div>
  );
}
