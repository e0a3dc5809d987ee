import { AppError } from '../domain/errors.js';
import { tenantScope, type TenantScope } from '../domain/tenant-scope.js';
import { ReadThroughCache } from '../platform/read-through-cache.js';
import { NOTIFICATION_CHANNELS, type NotificationChannelName } from './notification.adapters.js';
import type { NotificationTemplateRepository, TemplateOverride } from './notification-template.repository.js';
import { checkTemplate, CUSTOMER_STAGES, defaultTemplate, type CustomerStage, type MessageTemplate } from './notification.templates.js';

export interface TemplateView extends MessageTemplate {
  stage: CustomerStage;
  channel: NotificationChannelName;
  source: 'default' | 'tenant';
  updated_at: string | null;
}

/**
 * A tenant's wording of its customer notifications: overrides checked before they are stored.
 * Every customer notification asks for its stage's override (an e-mail and an SMS per new order),
 * and overrides change rarely, so a tenant's overrides are read in one query and cached for a few
 * seconds: this process drops them at once on a change, other processes use the new wording
 * within TEMPLATES_TTL_MS.
 */
export class NotificationTemplateService {
  /** The read is cached, not only its result: notifications arriving while it runs share it. */
  private readonly cache: ReadThroughCache<TemplateOverride[]>;

  constructor(private readonly repo: NotificationTemplateRepository) {
    this.cache = new ReadThroughCache((tenantId) => repo.list(tenantScope(tenantId)), { ttlMs: TEMPLATES_TTL_MS });
  }

  /** The tenant's override for a stage and channel, or null (the default applies). */
  async override(scope: TenantScope, stage: CustomerStage, channel: NotificationChannelName): Promise<TemplateOverride | null> {
    return (await this.cache.get(scope.tenantId)).find((o) => o.stage === stage && o.channel === channel) ?? null;
  }

  async list(scope: TenantScope): Promise<TemplateView[]> {
    const overrides = new Map((await this.repo.list(scope)).map((o) => [`${o.stage}:${o.channel}`, o]));
    return CUSTOMER_STAGES.flatMap((stage) => NOTIFICATION_CHANNELS.map((channel) => view(stage, channel, overrides.get(`${stage}:${channel}`) ?? null)));
  }

  /** An omitted subject keeps the default's; SMS has none, so giving one is a 400. */
  async put(scope: TenantScope, stage: CustomerStage, channel: NotificationChannelName, input: { subject?: string | null | undefined; body: string }): Promise<TemplateView> {
    if (channel === 'sms' && input.subject) throw AppError.validation([{ field: 'subject', message: 'an SMS has no subject' }]);
    const subject = channel === 'sms' ? null : (input.subject ?? defaultTemplate(stage, channel).subject);
    const template = { subject, body: input.body };
    checkTemplate(template);
    const stored = await this.repo.put(scope, stage, channel, template);
    this.cache.delete(scope.tenantId);
    return view(stage, channel, stored);
  }

  /** Back to the default; a stage and channel the tenant never overrode is a 404 (nothing to remove). */
  async reset(scope: TenantScope, stage: CustomerStage, channel: NotificationChannelName): Promise<TemplateView> {
    const removed = await this.repo.remove(scope, stage, channel);
    this.cache.delete(scope.tenantId);
    if (!removed) throw AppError.notFound('notification template', `${stage}/${channel}`);
    return view(stage, channel, null);
  }
}

function view(stage: CustomerStage, channel: NotificationChannelName, override: TemplateOverride | null): TemplateView {
  const t = override ?? defaultTemplate(stage, channel);
  return { stage, channel, subject: t.subject, body: t.body, source: override ? 'tenant' : 'default', updated_at: override ? override.updated_at.toISOString() : null };
}

/** How long another process may use a tenant's former wording after it changed. */
const TEMPLATES_TTL_MS = 5000;
