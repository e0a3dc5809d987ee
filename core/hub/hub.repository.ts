import type { Collection, Db } from 'mongodb';
import { AppError } from '../domain/errors.js';
import type { TenantScope } from '../domain/tenant-scope.js';
import { isDuplicateKey, type IndexPlan } from '../platform/mongo.js';
import type { Hub } from './hub.types.js';

type HubDoc = Omit<Hub, 'id'> & { _id: string };

export const HUB_INDEXES: IndexPlan = {
  hubs: [{ key: { tenant_id: 1, code: 1 }, name: 'tenant_hub_code', unique: true }],
};

export class HubRepository {
  private readonly hubs: Collection<HubDoc>;

  constructor(db: Db) {
    this.hubs = db.collection('hubs');
  }

  async insert(hub: Hub): Promise<void> {
    const { id, ...rest } = hub;
    try {
      await this.hubs.insertOne({ _id: id, ...rest });
    } catch (err) {
      if (isDuplicateKey(err)) throw new AppError('conflict', `hub ${hub.code} already exists`, { code: hub.code });
      throw err;
    }
  }

  async list(scope: TenantScope): Promise<Hub[]> {
    const docs = await this.hubs.find({ tenant_id: scope.tenantId }).sort({ code: 1 }).toArray();
    return docs.map(toHub);
  }

  async findByCode(scope: TenantScope, code: string): Promise<Hub | null> {
    const doc = await this.hubs.findOne({ tenant_id: scope.tenantId, code });
    return doc ? toHub(doc) : null;
  }
}

function toHub({ _id, ...rest }: HubDoc): Hub {
  return { id: _id, ...rest };
}
