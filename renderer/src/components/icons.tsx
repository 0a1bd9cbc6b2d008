/**
 * Icons drawn as inline SVG: the emoji and symbol glyphs they replace (📁, ⌖) are missing from
 * Debian's default fonts and showed as empty boxes; SVG needs no font.
 */

const common = { width: 13, height: 13, viewBox: '0 0 16 16', 'aria-hidden': true, focusable: false } as const;

export function FolderIcon() {
  return (
    <svg {...common} className="icon">
      <path d="M1.5 3.5h4.2l1.5 1.6h7.3v7.9h-13z" fill="currentColor" fillOpacity="0.25" stroke="currentColor" strokeWidth="1.2" strokeLinejoin="round" />
    </svg>
  );
}

/** A crosshair: "put the model window here". */
export function TargetIcon() {
  return (
    <svg {...common} className="icon">
      <circle cx="8" cy="8" r="4.5" fill="none" stroke="currentColor" strokeWidth="1.4" />
      <path d="M8 1v4M8 11v4M1 8h4M11 8h4" stroke="currentColor" strokeWidth="1.4" strokeLinecap="round" />
    </svg>
  );
}

export function NoteIcon() {
  return (
    <svg {...common} className="icon">
      <path d="M6 12.5V3.5l7-1.5v9" fill="none" stroke="currentColor" strokeWidth="1.3" />
      <ellipse cx="4.3" cy="12.5" rx="2" ry="1.6" fill="currentColor" />
      <ellipse cx="11.3" cy="11" rx="2" ry="1.6" fill="currentColor" />
    </svg>
  );
}
