import type { Collection, Db } from 'mongodb';
import type { TenantScope } from '../domain/tenant-scope.js';
import type { IndexPlan } from '../platform/mongo.js';
import type { NotificationChannelName } from './notification.adapters.js';
import type { CustomerStage, MessageTemplate } from './notification.templates.js';

/** A tenant's own wording for one stage on one channel. */
export interface TemplateOverride extends MessageTemplate {
  tenant_id: string;
  stage: CustomerStage;
  channel: NotificationChannelName;
  updated_at: Date;
}

type OverrideDoc = TemplateOverride & { _id: string };

export const NOTIFICATION_TEMPLATE_INDEXES: IndexPlan = {
  notification_templates: [{ key: { tenant_id: 1, stage: 1, channel: 1 }, name: 'tenant_stage_channel' }],
};

/** Tenants' template overrides, one document per tenant, stage and channel (`_id` = `{tenant}:{stage}:{channel}`). */
export class NotificationTemplateRepository {
  private readonly collection: Collection<OverrideDoc>;

  constructor(db: Db) {
    this.collection = db.collection('notification_templates');
  }

  async list(scope: TenantScope): Promise<TemplateOverride[]> {
    return (await this.collection.find({ tenant_id: scope.tenantId }).toArray()).map(strip);
  }

  async put(scope: TenantScope, stage: CustomerStage, channel: NotificationChannelName, template: MessageTemplate): Promise<TemplateOverride> {
    const override: TemplateOverride = { tenant_id: scope.tenantId, stage, channel, subject: template.subject, body: template.body, updated_at: new Date() };
    await this.collection.replaceOne({ tenant_id: scope.tenantId, _id: idOf(scope, stage, channel) }, override, { upsert: true });
    return override;
  }

  /** True when there was an override to remove. */
  async remove(scope: TenantScope, stage: CustomerStage, channel: NotificationChannelName): Promise<boolean> {
    const res = await this.collection.deleteOne({ tenant_id: scope.tenantId, _id: idOf(scope, stage, channel) });
    return res.deletedCount > 0;
  }
}

function idOf(scope: TenantScope, stage: string, channel: string): string {
  return `${scope.tenantId}:${stage}:${channel}`;
}

function strip({ _id, ...rest }: OverrideDoc): TemplateOverride {
  return rest;
}
