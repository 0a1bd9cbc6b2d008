import { create } from 'zustand';
import type { FileState, RecentFile, SessionInput } from '../../../app/contract';

/** A saved state for a file that changed since it was saved: the user decides whether it comes back. */
export interface RestoreQuestion {
  path: string;
  state: FileState;
  answer(restore: boolean): void;
}

interface SessionState {
  /** What session.get said at start (the welcome screen's "Restore last session" reopens it). */
  last: SessionInput | null;
  /** Recent files as the host lists them, newest first. */
  recent: RecentFile[];
  /** Set while the "file changed since — restore anyway?" question is open. */
  question: RestoreQuestion | null;
  setLast(last: SessionInput | null): void;
  setRecent(recent: RecentFile[]): void;
  setQuestion(q: RestoreQuestion | null): void;
}

/** The session as the welcome screen and the restore question see it (renderer/src/session.ts does the work). */
export const useSession = create<SessionState>((set) => ({
  last: null,
  recent: [],
  question: null,
  setLast: (last) => set({ last }),
  setRecent: (recent) => set({ recent }),
  setQuestion: (question) => set({ question }),
}));
