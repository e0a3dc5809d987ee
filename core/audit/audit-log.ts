import type { Collection, Db } from 'mongodb';
import type { TenantScope } from '../domain/tenant-scope.js';
import { newId } from '../platform/ids.js';
import type { Logger } from '../platform/logger.js';
import type { IndexPlan } from '../platform/mongo.js';

/** Who did something and in which request: the audit fields every security action carries. */
export interface AuditActor {
  /** 'service:platform', 'service:billing', 'key:key_…', 'jwt:user-7', 'system'. */
  actor: string;
  request_id: string | null;
}

export interface AuditEntry extends AuditActor {
  id: string;
  tenant_id: string;
  at: Date;
  /** 'api_key.issued', 'api_key.rotated', 'api_key.revoked', 'service_token.issued', 'settings.updated', … */
  action: string;
  target: string | null;
  details: Record<string, unknown>;
}

/** Platform-wide entries (service tokens) are kept under this tenant id. */
export const PLATFORM_TENANT = '_platform';

export const AUDIT_INDEXES: IndexPlan = {
  audit_log: [{ key: { tenant_id: 1, at: -1 }, name: 'tenant_at' }],
};

/**
 * The audit log of security-relevant actions: credentials issued, rotated and revoked; settings,
 * hubs and manual stock changes. Append-only; read newest first through the internal API.
 */
export class AuditLog {
  private readonly entries: Collection<Omit<AuditEntry, 'id'> & { _id: string }>;

  constructor(
    db: Db,
    private readonly logger: Logger,
  ) {
    this.entries = db.collection('audit_log');
  }

  async record(scope: TenantScope, by: AuditActor, action: string, target: string | null, details: Record<string, unknown> = {}): Promise<void> {
    const entry = { _id: newId('aud'), tenant_id: scope.tenantId, at: new Date(), actor: by.actor, request_id: by.request_id, action, target, details };
    await this.entries.insertOne(entry);
    this.logger.info({ audit: { ...entry, _id: undefined, id: entry._id } }, 'audit');
  }

  async list(scope: TenantScope, options: { limit: number; before?: Date; action?: string }): Promise<AuditEntry[]> {
    const filter: Record<string, unknown> = { tenant_id: scope.tenantId };
    if (options.before) filter.at = { $lt: options.before };
    if (options.action) filter.action = options.action;
    const docs = await this.entries.find(filter).sort({ at: -1 }).limit(options.limit).toArray();
    return docs.map(({ _id, ...rest }) => ({ id: _id, ...rest }));
  }
}
