import { randomUUID } from 'node:crypto';
import type { Collection, Db, Document } from 'mongodb';
import type { Redis } from 'ioredis';

/**
 * FerretDB 1.x does not apply a conditional update atomically: it reads the matching documents,
 * then writes them back, with nothing in between to stop another writer (FerretDB issue #3040;
 * measured here on 1.24.2: 20 racing `findOneAndUpdate({_id, version: 1})` calls had 6–10
 * winners on both backends, and a `{available: {$gte: 1}}` guard let 17 of 50 decrements through
 * on a stock of 10). MongoDB applies each single-document update atomically, which the order
 * state machine and stock reservations rely on.
 *
 * So, on FerretDB only, every write to a collection is serialized per tenant: first through an
 * in-process queue (cheap), then through a short Redis lock (so a separate worker process is
 * serialized too). Reads are untouched. On MongoDB this module is not used at all.
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

export class WriteSerializer {
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly redis: Redis) {}

  async run<T>(key: string, write: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let done!: () => void;
    const mine = new Promise<void>((r) => (done = r));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await this.withRedisLock(key, write);
    } finally {
      done();
      if (this.tails.get(key) === tail) this.tails.delete(key);
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

/** The tenant a write is for, from its filter (or the first operation of a bulk write). */
function writeKey(collection: string, method: string, args: unknown[]): string {
  let filter = args[0] as Record<string, unknown> | undefined;
  if (method === 'bulkWrite') {
    const op = (args[0] as Record<string, { filter?: Record<string, unknown> }>[] | undefined)?.[0];
    filter = op ? Object.values(op)[0]?.filter : undefined;
  }
  const tenant = filter && typeof filter.tenant_id === 'string' ? filter.tenant_id : '*';
  return `${collection}:${tenant}`;
}

function serializeCollection<T extends Document>(collection: Collection<T>, serializer: WriteSerializer): Collection<T> {
  return new Proxy(collection, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string' || !WRITE_METHODS.has(prop) || typeof value !== 'function') return value;
      return (...args: unknown[]) => serializer.run(writeKey(target.collectionName, prop, args), () => value.apply(target, args));
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
