import type { Collection, Db } from 'mongodb';
import { AppError } from '../domain/errors.js';
import type { TenantScope } from '../domain/tenant-scope.js';
import { isDuplicateKey, type IndexPlan } from '../platform/mongo.js';

/** One signing secret of an integration, sealed (secret-box.ts); an old one lives until expires_at. */
export interface SealedSecret {
  id: string;
  sealed: string;
  created_at: Date;
  expires_at: Date | null;
}

/** A tenant's integration with one courier: the secrets its webhook calls are signed with. */
export interface CourierIntegration {
  id: string;
  tenant_id: string;
  /** Lower-cased courier name, as on the tenant's shipments. */
  courier: string;
  secrets: SealedSecret[];
  created_at: Date;
  version: number;
}

type Doc = Omit<CourierIntegration, 'id'> & { _id: string };

export const COURIER_INTEGRATION_INDEXES: IndexPlan = {
  courier_integrations: [{ key: { tenant_id: 1, courier: 1 }, name: 'tenant_courier', unique: true }],
};

export class CourierIntegrationRepository {
  private readonly integrations: Collection<Doc>;

  constructor(db: Db) {
    this.integrations = db.collection('courier_integrations');
  }

  async insert(integration: CourierIntegration): Promise<void> {
    const { id, ...rest } = integration;
    try {
      await this.integrations.insertOne({ _id: id, ...rest });
    } catch (err) {
      if (isDuplicateKey(err)) throw new AppError('conflict', `an integration with courier ${integration.courier} already exists; rotate its secret instead`, { courier: integration.courier });
      throw err;
    }
  }

  async find(scope: TenantScope, id: string): Promise<CourierIntegration | null> {
    const doc = await this.integrations.findOne({ tenant_id: scope.tenantId, _id: id });
    return doc ? fromDoc(doc) : null;
  }

  async findByCourier(scope: TenantScope, courier: string): Promise<CourierIntegration | null> {
    const doc = await this.integrations.findOne({ tenant_id: scope.tenantId, courier });
    return doc ? fromDoc(doc) : null;
  }

  async list(scope: TenantScope): Promise<CourierIntegration[]> {
    return (await this.integrations.find({ tenant_id: scope.tenantId }).sort({ created_at: 1 }).toArray()).map(fromDoc);
  }

  /** Replaces the secrets of the version that was read; false when another rotation won. */
  async replaceSecrets(scope: TenantScope, current: CourierIntegration, secrets: SealedSecret[]): Promise<boolean> {
    const res = await this.integrations.updateOne({ tenant_id: scope.tenantId, _id: current.id, version: current.version }, { $set: { secrets }, $inc: { version: 1 } });
    return res.modifiedCount === 1;
  }
}

function fromDoc({ _id, ...rest }: Doc): CourierIntegration {
  return { id: _id, ...rest };
}
