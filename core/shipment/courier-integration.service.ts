import { randomBytes } from 'node:crypto';
import type { AuditActor, AuditLog } from '../audit/audit-log.js';
import { AppError } from '../domain/errors.js';
import type { TenantScope } from '../domain/tenant-scope.js';
import { newId } from '../platform/ids.js';
import type { SecretBox } from '../platform/secret-box.js';
import type { CourierIntegration, CourierIntegrationRepository, SealedSecret } from './courier-integration.repository.js';

/** What callers see of an integration: never a secret, only when each one stops working. */
export function toIntegrationView(i: CourierIntegration): Record<string, unknown> {
  return {
    id: i.id,
    courier: i.courier,
    created_at: i.created_at.toISOString(),
    secrets: i.secrets.map((s) => ({ id: s.id, created_at: s.created_at.toISOString(), expires_at: s.expires_at?.toISOString() ?? null })),
  };
}

/**
 * A secret per courier integration per tenant, in the Standard Webhooks format (`whsec_` +
 * base64). Rotation adds a new secret and keeps the old one valid for a grace period, so the
 * courier can switch without a window of refused calls. Secrets are stored sealed.
 */
export class CourierIntegrationService {
  constructor(
    private readonly repo: CourierIntegrationRepository,
    private readonly box: SecretBox,
    private readonly audit: AuditLog,
  ) {}

  async create(scope: TenantScope, courier: string, by: AuditActor): Promise<{ integration: CourierIntegration; secret: string }> {
    const { sealed, secret } = this.newSecret(null);
    const integration: CourierIntegration = { id: newId('cint'), tenant_id: scope.tenantId, courier: courier.toLowerCase(), secrets: [sealed], created_at: new Date(), version: 1 };
    await this.repo.insert(integration);
    await this.audit.record(scope, by, 'courier_secret.issued', integration.id, { courier: integration.courier });
    return { integration, secret };
  }

  list(scope: TenantScope): Promise<CourierIntegration[]> {
    return this.repo.list(scope);
  }

  async rotate(scope: TenantScope, id: string, graceSeconds: number, by: AuditActor): Promise<{ integration: CourierIntegration; secret: string }> {
    const current = await this.repo.find(scope, id);
    if (!current) throw AppError.notFound('courier_integration', id);
    const now = Date.now();
    const graceEnd = new Date(now + graceSeconds * 1000);
    const { sealed, secret } = this.newSecret(null);
    // Old secrets end at the grace end (or earlier, if they were ending anyway); expired ones are dropped.
    const kept = current.secrets
      .filter((s) => !s.expires_at || s.expires_at.getTime() > now)
      .map((s) => ({ ...s, expires_at: s.expires_at && s.expires_at < graceEnd ? s.expires_at : graceEnd }));
    const secrets = [sealed, ...kept];
    if (!(await this.repo.replaceSecrets(scope, current, secrets))) throw new AppError('version_conflict', 'the integration changed meanwhile; retry');
    await this.audit.record(scope, by, 'courier_secret.rotated', id, { courier: current.courier, old_secrets_expire_at: graceEnd });
    return { integration: { ...current, secrets, version: current.version + 1 }, secret };
  }

  /** The plain secrets a call for a shipment of this courier may be signed with now. */
  async liveSecrets(scope: TenantScope, courier: string): Promise<{ integrationId: string; secrets: string[] } | null> {
    const integration = await this.repo.findByCourier(scope, courier.toLowerCase());
    if (!integration) return null;
    const now = Date.now();
    const secrets = integration.secrets.filter((s) => !s.expires_at || s.expires_at.getTime() > now).map((s) => this.box.open(s.sealed));
    return { integrationId: integration.id, secrets };
  }

  private newSecret(expiresAt: Date | null): { sealed: SealedSecret; secret: string } {
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    return { secret, sealed: { id: newId('sec'), sealed: this.box.seal(secret), created_at: new Date(), expires_at: expiresAt } };
  }
}
