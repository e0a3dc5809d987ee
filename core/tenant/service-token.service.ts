import { createHash, randomBytes } from 'node:crypto';
import { PLATFORM_TENANT, type AuditActor, type AuditLog } from '../audit/audit-log.js';
import { AppError } from '../domain/errors.js';
import { tenantScope } from '../domain/tenant-scope.js';
import { newId } from '../platform/ids.js';
import type { CredentialCache } from './credential-cache.js';
import type { ServiceToken, ServiceTokenRepository } from './service-token.repository.js';

export interface ServiceGrant {
  id: string;
  name: string;
  tenants: string[] | null;
  scopes: string[];
  revoked: boolean;
}

const TOKEN_FORMAT = /^omss_[A-Za-z0-9_-]{32,}$/;

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Service identities for the internal API: each calling service its own named token (hashed,
 * revocable, shown once), allowed some tenants (or all) and some scopes. Its name is the actor
 * in the audit log. The configured OMS_INTERNAL_TOKEN stays the bootstrap "platform" identity.
 */
export class ServiceTokenService {
  constructor(
    private readonly repo: ServiceTokenRepository,
    private readonly cache: CredentialCache<ServiceGrant>,
    private readonly audit: AuditLog,
  ) {}

  async issue(input: { name: string; tenants: string[] | null; scopes: string[] }, by: AuditActor): Promise<{ token: ServiceToken; secret: string }> {
    const token: ServiceToken = { id: newId('svc'), name: input.name, tenants: input.tenants, scopes: [...new Set(input.scopes)].sort(), created_at: new Date(), revoked_at: null };
    const secret = `omss_${randomBytes(32).toString('base64url')}`;
    await this.repo.insert(token, hashToken(secret));
    await this.cache.changed(hashToken(secret));
    await this.audit.record(tenantScope(PLATFORM_TENANT), by, 'service_token.issued', token.id, { name: token.name, tenants: token.tenants, scopes: token.scopes });
    return { token, secret };
  }

  list(): Promise<ServiceToken[]> {
    return this.repo.list();
  }

  async revoke(id: string, by: AuditActor): Promise<void> {
    const token = await this.repo.find(id);
    if (!token || !(await this.repo.revoke(id, new Date()))) throw AppError.notFound('service_token', id);
    await this.cache.changed(token.hash);
    await this.audit.record(tenantScope(PLATFORM_TENANT), by, 'service_token.revoked', id, { name: token.name });
  }

  async authenticate(secret: string): Promise<ServiceGrant | null> {
    if (!TOKEN_FORMAT.test(secret)) return null;
    const grant = await this.cache.get(hashToken(secret), async () => {
      const token = await this.repo.findByHash(hashToken(secret));
      return token ? { id: token.id, name: token.name, tenants: token.tenants, scopes: token.scopes, revoked: token.revoked_at !== null } : null;
    });
    return grant && !grant.revoked ? grant : null;
  }
}
