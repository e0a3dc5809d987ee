import type { Middleware } from 'koa';
import type { PriorityGate } from '../../core/platform/priority-gate.js';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * An API write (creating, editing, cancelling an order...) is interactive work: while it runs,
 * bulk work in this process waits at the priority gate (ADR 0016 amendment). Reads do not count:
 * a dashboard polling a bulk job's progress must not hold the job back.
 */
export function interactivePriority(gate: PriorityGate | undefined): Middleware {
  return async (ctx, next) => {
    if (!gate || READS.has(ctx.method)) return next();
    await gate.interactive('api', () => next());
  };
}
