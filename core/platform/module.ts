import type { RouteGroups } from '../../router/app.js';
import type { HandlerGroup } from '../workers/runtime/handler-group.js';
import type { IndexPlan } from './mongo.js';

/** Something a worker process runs besides its listeners (outbox sweeper, recovery passes, dev WMS simulator). */
export interface BackgroundTask {
  name: string;
  start(): void;
  stop(): Promise<void>;
}

/**
 * What a domain module declares, in one object: its indexes, HTTP routes, queue handlers and
 * background tasks. The entry point (cmd) assembles modules in dependency order and knows nothing
 * else of them; a module reaches another only through what that module's builder returned
 * (passed in by the entry point), never through the entry point. Follow-ups are registered by the module
 * that reacts (e.g. on the order event relay), so no module is bound late.
 */
export interface DomainModule {
  readonly name: string;
  readonly indexes?: IndexPlan;
  routes?(groups: RouteGroups): void;
  handlers?(queues: HandlerGroup): void;
  readonly background?: readonly BackgroundTask[];
}
