// redlock 5.0.0-beta.2 ships its own typings but its package.json "exports" has no "types"
// condition, so NodeNext resolution cannot see them. This re-declares the part we use.
declare module 'redlock' {
  import type { Redis, Cluster } from 'ioredis';
  import { EventEmitter } from 'node:events';

  export interface Settings {
    driftFactor: number;
    retryCount: number;
    retryDelay: number;
    retryJitter: number;
    automaticExtensionThreshold: number;
  }

  export class Lock {
    readonly resources: string[];
    readonly value: string;
    readonly expiration: number;
    release(): Promise<unknown>;
    extend(duration: number): Promise<Lock>;
  }

  export class ResourceLockedError extends Error {}
  export class ExecutionError extends Error {
    readonly attempts: unknown[];
  }

  export default class Redlock extends EventEmitter {
    constructor(clients: Iterable<Redis | Cluster>, settings?: Partial<Settings>);
    acquire(resources: string[], duration: number, settings?: Partial<Settings>): Promise<Lock>;
    release(lock: Lock, settings?: Partial<Settings>): Promise<unknown>;
    quit(): Promise<void>;
  }
}
