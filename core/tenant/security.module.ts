import type { Platform } from '../platform/platform.js';
import type { RouteGroups, SecurityDeps } from '../../router/app.js';
import { RateLimits } from '../../router/middleware/rate-limit.js';
import { registerAuditRoutes } from '../audit/audit.controller.js';
import { AUDIT_INDEXES, AuditLog } from '../audit/audit-log.js';
import type { IndexPlan } from '../platform/mongo.js';
import { registerApiKeyRoutes } from './api-key.controller.js';
import { API_KEY_INDEXES, ApiKeyRepository } from './api-key.repository.js';
import { ApiKeyService } from './api-key.service.js';
import { CredentialCache } from './credential-cache.js';
import { JwtVerifier } from './jwt-verifier.js';
import { registerRateLimitRoutes } from './rate-limit.controller.js';
import { RATE_LIMIT_INDEXES, RateLimitRepository } from './rate-limit.repository.js';
import { registerServiceTokenRoutes } from './service-token.controller.js';
import { SERVICE_TOKEN_INDEXES, ServiceTokenRepository } from './service-token.repository.js';
import { ServiceTokenService } from './service-token.service.js';
import type { TenantService } from './tenant.service.js';

export interface SecurityModule extends SecurityDeps {
  indexes: IndexPlan;
  registerRoutes(groups: RouteGroups, tenants: TenantService): void;
}

/** Issue 13's wiring: seller keys, service identities, platform JWTs, rate limits, audit log. */
export async function buildSecurityModule(platform: Platform): Promise<SecurityModule> {
  const db = platform.mongo.db;
  const audit = new AuditLog(db, platform.logger);
  const keys = new ApiKeyService(new ApiKeyRepository(db), await CredentialCache.create(platform.redis, platform.events, 'cred:key'), audit);
  const tokens = new ServiceTokenService(new ServiceTokenRepository(db), await CredentialCache.create(platform.redis, platform.events, 'cred:svc'), audit);
  const limits = new RateLimitRepository(db);
  return {
    keys,
    tokens,
    audit,
    jwt: await JwtVerifier.create(platform.config.auth.jwt),
    rateLimits: new RateLimits(platform.redis, platform.config.auth.rate_limit, limits),
    indexes: { ...AUDIT_INDEXES, ...API_KEY_INDEXES, ...SERVICE_TOKEN_INDEXES, ...RATE_LIMIT_INDEXES },
    registerRoutes(groups, tenants) {
      registerApiKeyRoutes(groups.internal, keys, tenants);
      registerServiceTokenRoutes(groups.internal, tokens);
      registerRateLimitRoutes(groups.internal, limits, tenants, audit);
      registerAuditRoutes(groups.internal, audit);
    },
  };
}
