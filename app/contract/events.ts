/** Events: what a host sends without being asked (progress, notices, menu commands, restarts, lab progress). */
import { count, id, MergeParams, path } from './fields.js';
import { sweepId } from './methods-lab.js';
import { s, invalid, type Infer } from './schema.js';

export const events = {
  /** Progress of a running request. */
  progress: s.object({
    id: count,
    phase: s.enum(['decode', 'analysis', 'model', 'window'] as const),
    done: s.number({ min: 0 }),
    total: s.number({ min: 0 }),
    message: s.optional(s.string({ max: 1024 })),
  }),
  /** Progress of a models.pull (request `id`): bytes of the file at work and of the whole pull, rate and time left. */
  'models.progress': s.object({
    id: count,
    repoId: s.string({ max: 200 }),
    file: s.string({ max: 1024 }),
    fileBytes: count,
    fileSize: count,
    bytes: count,
    totalBytes: count,
    bytesPerSecond: s.number({ min: 0 }),
    /** Seconds left at the current rate; absent while unknown. */
    etaSeconds: s.optional(s.number({ min: 0 })),
  }),
  /** Something the user must be told (engine restarted, a model failed to load …). */
  notice: s.object({ level: s.enum(['info', 'warning', 'error'] as const), message: s.string({ max: 4096 }) }),
  /** A native menu or drop asked the UI to do something (Electron). */
  command: s.object({
    command: s.enum(['open-files', 'open-folder', 'export', 'open-model'] as const),
    paths: s.array(path, { max: 10_000 }),
  }),
  /** A frame from this client could not be read far enough to answer it (no request id): what was wrong. */
  'protocol.error': s.object({ message: s.string({ max: 1024 }) }),
  /** The engine process restarted: caches on the host side are gone. */
  'host.restarted': s.object({ reason: s.string({ max: 4096 }) }),
  /** Progress of a lab.sweep: runs of (model, setting, clip) done of total, cached ones included. */
  'lab.progress': s.object({
    sweepId,
    /** open: reading the set and building engines; features: decoding; infer: running the models. */
    stage: s.enum(['open', 'features', 'infer'] as const),
    done: count,
    total: count,
    cached: count,
    model: s.optional(id),
    setting: s.optional(MergeParams),
    message: s.optional(s.string({ max: 1024 })),
  }),
};
export type Events = typeof events;
export type EventName = keyof Events;
export type EventData<E extends EventName> = Infer<Events[E]>;

export function parseEvent(event: string, data: unknown): { event: EventName; data: unknown } {
  if (!Object.prototype.hasOwnProperty.call(events, event)) throw invalid(`event: unknown event ${JSON.stringify(event)}`);
  const name = event as EventName;
  return { event: name, data: events[name].parse(data, `${name} event`) };
}
