/**
 * Keeps one child process running: starts it, restarts it after a growing delay when it dies,
 * and gives up after too many deaths in a short time (a model that crashes onnxruntime on load
 * would otherwise crash-loop forever) until retry() is called.
 *
 * Used by Electron's engine (a utilityProcess, main/electron/engine-supervisor.ts) and by
 * serve's host (a forked Node process, main/serve/host-link.ts). It knows neither: a child is
 * anything with the three members of SupervisedChild, so this module imports nothing.
 */

/** One started child process, as the supervisor sees it. */
export interface SupervisedChild {
  /** `cb` runs once the child says it can take work. */
  onReady(cb: () => void): void;
  /** `cb` runs once, when the child is gone (or could not start), with why in words. */
  onExit(cb: (why: string) => void): void;
  /** Asks the child to end (it still reports onExit). */
  kill(): void;
}

export interface SupervisorPolicy {
  /** This many deaths within `windowMs` and the supervisor stops restarting. */
  maxCrashes: number;
  windowMs: number;
  /** Delay before the first restart; each further death in the window doubles it, up to maxDelayMs. */
  firstDelayMs: number;
  maxDelayMs: number;
}

/** 5 deaths in a minute give up; restarts after 0.4, 0.8, 1.6, 3.2 s. */
export const DEFAULT_POLICY: SupervisorPolicy = { maxCrashes: 5, windowMs: 60_000, firstDelayMs: 400, maxDelayMs: 8_000 };

export type SupervisorState = 'idle' | 'starting' | 'up' | 'restarting' | 'gave-up';

export interface SupervisorEvents<C> {
  /** The child is ready: the first start, after a restart, after retry(). */
  up(child: C): void;
  /** The child died. `restartInMs` is null when the supervisor gave up (retry() starts it again). */
  down(why: string, restartInMs: number | null): void;
}

export class Supervisor<C extends SupervisedChild> {
  private child: C | null = null;
  private readyChild: C | null = null;
  /** Times of recent deaths (within the policy's window). */
  private crashes: number[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private lastWhy = '';

  constructor(
    private readonly spawn: () => C,
    private readonly events: SupervisorEvents<C>,
    private readonly policy: SupervisorPolicy = DEFAULT_POLICY,
  ) {}

  /** The child that is up and ready, or null. */
  get current(): C | null {
    return this.readyChild;
  }

  get state(): SupervisorState {
    if (this.readyChild) return 'up';
    if (this.child) return 'starting';
    if (this.timer) return 'restarting';
    return this.crashes.length >= this.policy.maxCrashes ? 'gave-up' : 'idle';
  }

  /** Why the last child died ('' before any died). */
  get why(): string {
    return this.lastWhy;
  }

  start(): void {
    if (this.child || this.timer) return;
    this.stopped = false;
    this.launch();
  }

  /** Forgets past deaths and, unless a child is running or starting, starts one now. */
  retry(): void {
    this.crashes = [];
    if (this.child) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.stopped = false;
    this.launch();
  }

  /** Ends the child for good (no restart). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.child?.kill();
  }

  private launch(): void {
    let child: C;
    try {
      child = this.spawn();
    } catch (e) {
      // A spawn that throws counts as a death, so a broken set-up gives up instead of looping.
      this.died(null, `could not start: ${(e as Error).message}`);
      return;
    }
    this.child = child;
    child.onReady(() => {
      if (this.child !== child) return;
      this.readyChild = child;
      this.events.up(child);
    });
    child.onExit((why) => this.died(child, why));
  }

  private died(child: C | null, why: string): void {
    if (child && this.child !== child) return;
    this.child = null;
    this.readyChild = null;
    this.lastWhy = why;
    if (this.stopped) return;
    const now = Date.now();
    this.crashes = this.crashes.filter((t) => now - t < this.policy.windowMs);
    this.crashes.push(now);
    if (this.crashes.length >= this.policy.maxCrashes) {
      this.events.down(why, null);
      return;
    }
    const delay = Math.min(this.policy.maxDelayMs, this.policy.firstDelayMs * 2 ** (this.crashes.length - 1));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.launch();
    }, delay);
    this.events.down(why, delay);
  }
}
