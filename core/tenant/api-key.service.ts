import { createHash, randomBytes } from 'node:crypto';
import type { AuditActor, AuditLog } from '../audit/audit-log.js';
import { AppError } from '../domain/errors.js';
import { tenantScope, type TenantScope } from '../domain/tenant-scope.js';
import { newId } from '../platform/ids.js';
import type { ApiKeyRepository } from './api-key.repository.js';
import type { ApiKey, ApiKeyGrant } from './api-key.types.js';
import type { CredentialCache } from './credential-cache.js';

const KEY_FORMAT = /^oms_(ten_[A-Za-z0-9]+)_[A-Za-z0-9_-]{16,}$/;

export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex');
}

export function newApiKey(tenantId: string): string {
  return `oms_${tenantId}_${randomBytes(24).toString('base64url')}`;
}

export interface IssueInput {
  name: string;
  scopes: string[];
  expires_at: Date | null;
}

/**
 * Seller API keys with scopes and a lifecycle: several per seller, each with an optional expiry;
 * rotation issues a new key and lets the old one live for a grace period; revocation is seen by
 * every process at once (the Redis cache is marked changed). Keys are stored as SHA-256 hashes;
 * a key is shown once, when issued. Last use is written at most once a minute per key.
 */
export class ApiKeyService {
  constructor(
    private readonly repo: ApiKeyRepository,
    private readonly cache: CredentialCache<ApiKeyGrant>,
    private readonly audit: AuditLog,
  ) {}

  async issue(scope: TenantScope, sellerId: string, input: IssueInput, by: AuditActor, apiKey = newApiKey(scope.tenantId)): Promise<{ key: ApiKey; apiKey: string }> {
    const key: ApiKey = {
      id: newId('key'),
      tenant_id: scope.tenantId,
      seller_id: sellerId,
      name: input.name,
      scopes: [...new Set(input.scopes)].sort(),
      created_at: new Date(),
      expires_at: input.expires_at,
      revoked_at: null,
      last_used_at: null,
      replaced_by: null,
    };
    const hash = hashApiKey(apiKey);
    await this.repo.insert(key, hash);
    await this.cache.changed(hash);
    await this.audit.record(scope, by, 'api_key.issued', key.id, { seller_id: sellerId, name: key.name, scopes: key.scopes, expires_at: key.expires_at });
    return { key, apiKey };
  }

  list(scope: TenantScope, sellerId: string): Promise<ApiKey[]> {
    return this.repo.list(scope, sellerId);
  }

  /** A new key with the same name and scopes; the old one works for `graceSeconds` more (0: stops now). */
  async rotate(scope: TenantScope, sellerId: string, keyId: string, graceSeconds: number, by: AuditActor): Promise<{ key: ApiKey; apiKey: string; old: ApiKey }> {
    const old = await this.live(scope, sellerId, keyId);
    const graceEnd = new Date(Date.now() + graceSeconds * 1000);
    const expires = old.expires_at && old.expires_at < graceEnd ? old.expires_at : graceEnd;
    const issued = await this.issue(scope, sellerId, { name: old.name, scopes: old.scopes, expires_at: old.expires_at }, by);
    if (!(await this.repo.update(scope, keyId, { expires_at: expires, replaced_by: issued.key.id }))) throw AppError.notFound('api_key', keyId);
    await this.cache.changed(old.hash);
    await this.audit.record(scope, by, 'api_key.rotated', keyId, { seller_id: sellerId, replaced_by: issued.key.id, old_key_expires_at: expires });
    return { ...issued, old: { ...stripHash(old), expires_at: expires, replaced_by: issued.key.id } };
  }

  async revoke(scope: TenantScope, sellerId: string, keyId: string, by: AuditActor): Promise<ApiKey> {
    const key = await this.live(scope, sellerId, keyId);
    const at = new Date();
    if (!(await this.repo.update(scope, keyId, { revoked_at: at }))) throw AppError.notFound('api_key', keyId);
    await this.cache.changed(key.hash);
    await this.audit.record(scope, by, 'api_key.revoked', keyId, { seller_id: sellerId });
    return { ...stripHash(key), revoked_at: at };
  }

  /**
   * The grant of a live key, or null (unknown, revoked, expired). `legacy` answers keys issued
   * before keys had their own records (the seller's original key) with every seller scope.
   */
  async authenticate(apiKey: string, legacy: (scope: TenantScope, hash: string) => Promise<ApiKeyGrant | null>): Promise<ApiKeyGrant | null> {
    const match = KEY_FORMAT.exec(apiKey);
    if (!match) return null;
    const scope = tenantScope(match[1] as string);
    const hash = hashApiKey(apiKey);
    const grant = await this.cache.get(hash, async () => {
      const key = await this.repo.findByHash(scope, hash);
      if (!key) return legacy(scope, hash);
      return { id: key.id, tenant_id: key.tenant_id, seller_id: key.seller_id, scopes: key.scopes, expires_at: key.expires_at?.toISOString() ?? null, revoked: key.revoked_at !== null };
    });
    if (!grant || grant.revoked || (grant.expires_at && Date.parse(grant.expires_at) <= Date.now())) return null;
    if (grant.id !== 'legacy' && (await this.cache.once(`${grant.id}`, 60))) {
      this.repo.touch(scope, grant.id, new Date()).catch(() => undefined);
    }
    return grant;
  }

  private async live(scope: TenantScope, sellerId: string, keyId: string): Promise<ApiKey & { hash: string }> {
    const key = await this.repo.find(scope, sellerId, keyId);
    if (!key || key.revoked_at) throw AppError.notFound('api_key', keyId);
    return key;
  }
}

function stripHash({ hash: _hash, ...key }: ApiKey & { hash: string }): ApiKey {
  return key;
}
