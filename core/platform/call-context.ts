import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Who a call runs for, beyond the coarse Actor of the transition table: the calling service's
 * name on the internal API. Carried implicitly so that every timeline entry the call writes
 * names it without threading it through each service method; set only by the internal API's
 * authentication, read only where timeline entries are written (the order repository).
 */
const storage = new AsyncLocalStorage<{ actorName: string }>();

export function runAs<T>(actorName: string, fn: () => Promise<T>): Promise<T> {
  return storage.run({ actorName }, fn);
}

export function currentActorName(): string | null {
  return storage.getStore()?.actorName ?? null;
}
