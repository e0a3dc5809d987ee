import type { Collection, Db } from 'mongodb';
import { AppError } from '../domain/errors.js';
import type { TenantScope } from '../domain/tenant-scope.js';
import { isDuplicateKey, type IndexPlan } from '../platform/mongo.js';
import type { RuleSet } from './rule.types.js';

/** The head of a scope's rules (one small document, rewritten whole on each change). */
type RuleSetDoc = RuleSet & { _id: string };
/** Every version ever committed, kept for reading and rollback. */
type RuleVersionDoc = RuleSet & { _id: string };

export const RULE_INDEXES: IndexPlan = {
  rule_sets: [{ key: { tenant_id: 1, seller_id: 1 }, name: 'tenant_seller' }],
  rule_set_versions: [{ key: { tenant_id: 1, seller_id: 1, version: -1 }, name: 'tenant_seller_version' }],
};

export function setKey(scope: TenantScope, sellerId: string | null): string {
  return `${scope.tenantId}:${sellerId ?? '*'}`;
}

/**
 * Rule sets: a head per scope (tenant-wide or one seller) and a copy of every version. A change
 * is written without a transaction, head first: the head's conditional replace (on the version it
 * was read at) is the one write that decides a race; the version copy follows. A crash between
 * the two leaves the new head without its copy: the next change first (re)writes the copy of the
 * head it read, so every version that was ever the head ends up readable, and a loser of a race
 * never writes a copy at all.
 */
export class RuleRepository {
  private readonly heads: Collection<RuleSetDoc>;
  private readonly versions: Collection<RuleVersionDoc>;

  constructor(db: Db) {
    this.heads = db.collection('rule_sets');
    this.versions = db.collection('rule_set_versions');
  }

  async head(scope: TenantScope, sellerId: string | null): Promise<RuleSet | null> {
    const doc = await this.heads.findOne({ _id: setKey(scope, sellerId), tenant_id: scope.tenantId });
    return doc ? strip(doc) : null;
  }

  /** The tenant-wide head and one seller's head in one round trip (what evaluation needs). */
  async headsFor(scope: TenantScope, sellerId: string): Promise<{ tenant: RuleSet | null; seller: RuleSet | null }> {
    const docs = await this.heads.find({ tenant_id: scope.tenantId, _id: { $in: [setKey(scope, null), setKey(scope, sellerId)] } }).toArray();
    const find = (s: string | null) => docs.find((d) => d._id === setKey(scope, s));
    const [tenant, seller] = [find(null), find(sellerId)];
    return { tenant: tenant ? strip(tenant) : null, seller: seller ? strip(seller) : null };
  }

  /** Commits `next` over `current` (the head it was computed from); false when another change got there first. */
  async commit(scope: TenantScope, current: RuleSet | null, next: RuleSet): Promise<boolean> {
    const id = setKey(scope, next.seller_id);
    if (current) await this.keepCopy(scope, current);
    if (!current) {
      try {
        await this.heads.insertOne({ _id: id, ...next });
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    } else {
      const res = await this.heads.replaceOne({ _id: id, tenant_id: scope.tenantId, version: current.version }, next);
      if (res.matchedCount !== 1) return false;
    }
    await this.keepCopy(scope, next);
    return true;
  }

  private async keepCopy(scope: TenantScope, set: RuleSet): Promise<void> {
    try {
      await this.versions.replaceOne({ _id: `${setKey(scope, set.seller_id)}:${set.version}`, tenant_id: scope.tenantId }, set, { upsert: true });
    } catch (err) {
      // Two writers upserting the same copy: same content, the other one stored it.
      if (!isDuplicateKey(err)) throw err;
    }
  }

  async listVersions(scope: TenantScope, sellerId: string | null, headVersion: number): Promise<Omit<RuleSet, 'rules' | 'built_ins'>[]> {
    const docs = await this.versions
      .find({ tenant_id: scope.tenantId, seller_id: sellerId, version: { $lte: headVersion } }, { projection: { rules: 0, built_ins: 0 } })
      .sort({ version: -1 })
      .limit(500)
      .toArray();
    return docs.map(({ _id, ...rest }) => rest);
  }

  async version(scope: TenantScope, sellerId: string | null, version: number): Promise<RuleSet | null> {
    const doc = await this.versions.findOne({ _id: `${setKey(scope, sellerId)}:${version}`, tenant_id: scope.tenantId });
    return doc ? strip(doc) : null;
  }
}

function strip(doc: RuleSetDoc): RuleSet {
  const { _id, ...rest } = doc;
  return rest;
}

export function conflict(): AppError {
  return new AppError('version_conflict', 'the rules were changed by someone else meanwhile; read them again and retry');
}
