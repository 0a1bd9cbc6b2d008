/**
 * The method registry: every request a client may send, with the schemas of its params and its
 * result, gathered from the areas that define them.
 */
import { analysisMethods } from './methods-analysis.js';
import { fileMethods } from './methods-files.js';
import { labMethods } from './methods-lab.js';
import { modelMethods } from './methods-models.js';
import { segmentMethods } from './methods-segments.js';
import { sessionMethods } from './methods-session.js';
import type { Infer } from './schema.js';

export const methods = {
  ...modelMethods,
  ...fileMethods,
  ...analysisMethods,
  ...segmentMethods,
  ...labMethods,
  ...sessionMethods,
};

export type Methods = typeof methods;
export type Method = keyof Methods;
export type Params<M extends Method> = Infer<Methods[M]['params']>;
export type Result<M extends Method> = Infer<Methods[M]['result']>;

export function isMethod(m: string): m is Method {
  return Object.prototype.hasOwnProperty.call(methods, m);
}

/** Validates a request's params against its method (throws FastAstError BAD_REQUEST). */
export function parseParams<M extends Method>(method: M, params: unknown): Params<M> {
  return methods[method].params.parse(params, `${method} params`) as Params<M>;
}

export function parseResult<M extends Method>(method: M, result: unknown): Result<M> {
  return methods[method].result.parse(result, `${method} result`) as Result<M>;
}
