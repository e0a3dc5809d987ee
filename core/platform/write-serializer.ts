import { randomUUID } from 'node:crypto';
import type { Collection, Db, Document } from 'mongodb';
import type { Redis } from 'ioredis';
import { Mutex, Semaphore } from 'async-mutex';

/**
 * FerretDB 1.x does not apply a conditional update atomically: it reads the matching documents,
 * then writes them back, with nothing in between to stop another writer (FerretDB issue #3040;
 * measured here on 1.24.2: 20 racing `findOneAndUpdate({_id, version: 1})` calls had 6–10
 * winners on both backends, and a `{available: {$gte: 1}}` guard let 17 of 50 decrements through
 * on a stock of 10). MongoDB applies each single-document update atomically, which the order
 * state machine and stock reservations rely on.
 *
 * So, on FerretDB only, writes are serialized: per document when the filter names its `_id`,
 * per tenant and collection otherwise (see WriteSerializer). Reads are untouched. On MongoDB this
 * module is not used at all.
 */
const WRITE_METHODS = new Set([
  'updateOne',
  'updateMany',
  'findOneAndUpdate',
  'findOneAndReplace',
  'findOneAndDelete',
  'replaceOne',
  'deleteOne',
  'deleteMany',
  'bulkWrite',
]);

const LOCK_TTL_MS = 5000;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
/** Writes by `_id` that may run at once within one tenant's collection (each document one at a time). */
const PARALLEL_DOCUMENTS = 32;

interface WriteTarget {
  /** `{collection}:{tenant}`. */
  scope: string;
  /** The document's `_id` when the filter names it; null for writes that may touch any document. */
  documentId: string | null;
}

/**
 * In process, a readers-writer scheme per tenant and collection: a write by `_id` shares the
 * tenant's lock and takes its document's mutex, so writes to different orders run side by side;
 * a write by any other filter takes the tenant's lock exclusively. Across processes a Redis lock
 * on the same key (document, or tenant) serializes what the in-process locks cannot see.
 */
export class WriteSerializer {
  private readonly scopes = new Map<string, Semaphore>();
  private readonly documents = new Map<string, Mutex>();

  constructor(private readonly redis: Redis) {}

  async run<T>(target: WriteTarget, write: () => Promise<T>): Promise<T> {
    const scopeLock = this.scopes.get(target.scope) ?? this.scopes.set(target.scope, new Semaphore(PARALLEL_DOCUMENTS)).get(target.scope)!;
    const weight = target.documentId === null ? PARALLEL_DOCUMENTS : 1;
    const [, releaseScope] = await scopeLock.acquire(weight);
    try {
      if (target.documentId === null) return await this.withRedisLock(target.scope, write);
      const key = `${target.scope}:${target.documentId}`;
      const documentLock = this.documents.get(key) ?? this.documents.set(key, new Mutex()).get(key)!;
      try {
        return await documentLock.runExclusive(() => this.withRedisLock(key, write));
      } finally {
        if (!documentLock.isLocked()) this.documents.delete(key);
      }
    } finally {
      releaseScope();
      if (scopeLock.getValue() === PARALLEL_DOCUMENTS && !scopeLock.isLocked()) this.scopes.delete(target.scope);
    }
  }

  private async withRedisLock<T>(key: string, write: () => Promise<T>): Promise<T> {
    const lockKey = `ferret-write:${key}`;
    const token = randomUUID();
    for (let attempt = 0; ; attempt++) {
      if ((await this.redis.set(lockKey, token, 'PX', LOCK_TTL_MS, 'NX')) === 'OK') break;
      await new Promise((r) => setTimeout(r, Math.min(1 + attempt, 10)));
    }
    try {
      return await write();
    } finally {
      await this.redis.eval(RELEASE, 1, lockKey, token).catch(() => undefined);
    }
  }
}

/** The tenant and (when the filter names one) the document a write is for. */
function writeTarget(collection: string, method: string, args: unknown[]): WriteTarget {
  let filter = args[0] as Record<string, unknown> | undefined;
  const many = method === 'updateMany' || method === 'deleteMany' || method === 'bulkWrite';
  if (method === 'bulkWrite') {
    const op = (args[0] as Record<string, { filter?: Record<string, unknown> }>[] | undefined)?.[0];
    filter = op ? Object.values(op)[0]?.filter : undefined;
  }
  const tenant = filter && typeof filter.tenant_id === 'string' ? filter.tenant_id : '*';
  const id = filter?._id;
  const documentId = !many && (typeof id === 'string' || typeof id === 'number') ? String(id) : null;
  return { scope: `${collection}:${tenant}`, documentId };
}

function serializeCollection<T extends Document>(collection: Collection<T>, serializer: WriteSerializer): Collection<T> {
  return new Proxy(collection, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string' || !WRITE_METHODS.has(prop) || typeof value !== 'function') return value;
      return (...args: unknown[]) => serializer.run(writeTarget(target.collectionName, prop, args), () => value.apply(target, args));
    },
  });
}

/** A Db whose collections serialize their writes (see above). */
export function serializeWrites(db: Db, serializer: WriteSerializer): Db {
  return new Proxy(db, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop !== 'collection' || typeof value !== 'function') return value;
      return (name: string, options?: unknown) => serializeCollection(value.call(target, name, options), serializer);
    },
  });
}

export async function isFerretDb(db: Db): Promise<boolean> {
  const info = await db.admin().command({ buildInfo: 1 });
  return typeof info.ferretdbVersion === 'string';
}
