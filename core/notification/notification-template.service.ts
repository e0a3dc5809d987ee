import { AppError } from '../domain/errors.js';
import type { TenantScope } from '../domain/tenant-scope.js';
import { NOTIFICATION_CHANNELS, type NotificationChannelName } from './notification.adapters.js';
import type { NotificationTemplateRepository, TemplateOverride } from './notification-template.repository.js';
import { checkTemplate, CUSTOMER_STAGES, defaultTemplate, type CustomerStage, type MessageTemplate } from './notification.templates.js';

export interface TemplateView extends MessageTemplate {
  stage: CustomerStage;
  channel: NotificationChannelName;
  source: 'default' | 'tenant';
  updated_at: string | null;
}

/** A tenant's wording of its customer notifications: overrides checked before they are stored. */
export class NotificationTemplateService {
  constructor(private readonly repo: NotificationTemplateRepository) {}

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
    return view(stage, channel, await this.repo.put(scope, stage, channel, template));
  }

  /** Back to the default; a stage and channel the tenant never overrode is a 404 (nothing to remove). */
  async reset(scope: TenantScope, stage: CustomerStage, channel: NotificationChannelName): Promise<TemplateView> {
    if (!(await this.repo.remove(scope, stage, channel))) throw AppError.notFound('notification template', `${stage}/${channel}`);
    return view(stage, channel, null);
  }
}

function view(stage: CustomerStage, channel: NotificationChannelName, override: TemplateOverride | null): TemplateView {
  const t = override ?? defaultTemplate(stage, channel);
  return { stage, channel, subject: t.subject, body: t.body, source: override ? 'tenant' : 'default', updated_at: override ? override.updated_at.toISOString() : null };
}
