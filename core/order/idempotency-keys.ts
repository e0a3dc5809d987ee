import { createHash } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { AppError } from '../domain/errors.js';
import type { SellerScope } from '../domain/tenant-scope.js';
import { isDuplicateKey, type IndexPlan } from '../platform/mongo.js';

export interface StoredResponse {
  status: number;
  body: unknown;
}

interface KeyDoc {
  _id: string;
  tenant_id: string;
  seller_id: string;
  key: string;
  request_hash: string;
  state: 'in_progress' | 'done';
  response: StoredResponse | null;
  created_at: Date;
}

export const IDEMPOTENCY_INDEXES: IndexPlan = {
  idempotency_keys: [{ key: { tenant_id: 1, seller_id: 1, key: 1 }, name: 'tenant_seller_key', unique: true }],
};

/** A claim whose request died this long ago may be taken over by a retry. */
const STALE_AFTER_MS = 60_000;

/**
 * `Idempotency-Key` for create requests: the first request with a key claims it (unique index on
 * tenant+seller+key) and stores its successful response; a retry with the same key and body gets
 * that response again, the same key with another body is 422 `idempotency_key_reused`. Failed
 * requests release the key, so a client may fix its input and retry. Kept in MongoDB (not Redis)
 * because the answer must outlive a Redis flush as long as the order itself does.
 */
export class IdempotencyKeys {
  private readonly collection: Collection<KeyDoc>;

  constructor(db: Db) {
    this.collection = db.collection('idempotency_keys');
  }

  async run(scope: SellerScope, key: string, request: unknown, fn: () => Promise<StoredResponse>): Promise<StoredResponse & { replayed: boolean }> {
    const id = `${scope.tenantId}:${scope.sellerId}:${key}`;
    const requestHash = hashRequest(request);
    const claimed = await this.claim(id, scope, key, requestHash);
    if (!claimed) {
      const existing = await this.collection.findOne({ tenant_id: scope.tenantId, _id: id });
      if (!existing) return this.run(scope, key, request, fn); // released between our insert and read
      if (existing.request_hash !== requestHash) {
        throw new AppError('idempotency_key_reused', 'this Idempotency-Key was used with a different request body', { idempotency_key: key });
      }
      if (existing.state === 'done' && existing.response) return { ...existing.response, replayed: true };
      if (Date.now() - existing.created_at.getTime() < STALE_AFTER_MS) {
        throw new AppError('order_in_progress', 'a request with this Idempotency-Key is still being processed', { idempotency_key: key });
      }
      await this.collection.deleteOne({ tenant_id: scope.tenantId, _id: id, state: 'in_progress', created_at: existing.created_at });
      return this.run(scope, key, request, fn);
    }
    let response: StoredResponse;
    try {
      response = await fn();
    } catch (err) {
      await this.collection.deleteOne({ tenant_id: scope.tenantId, _id: id }).catch(() => undefined);
      throw err;
    }
    await this.collection.updateOne({ tenant_id: scope.tenantId, _id: id }, { $set: { state: 'done', response } });
    return { ...response, replayed: false };
  }

  private async claim(id: string, scope: SellerScope, key: string, requestHash: string): Promise<boolean> {
    try {
      await this.collection.insertOne({
        _id: id,
        tenant_id: scope.tenantId,
        seller_id: scope.sellerId,
        key,
        request_hash: requestHash,
        state: 'in_progress',
        response: null,
        created_at: new Date(),
      });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }
}

/** Key order must not matter: `{a, b}` and `{b, a}` are the same request. */
function hashRequest(value: unknown): string {
  return createHash('sha256').update(canonical(value)).digest('hex');
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
