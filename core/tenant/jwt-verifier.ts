import { createRemoteJWKSet, importSPKI, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { AppError } from '../domain/errors.js';
import { SELLER_SCOPES } from './scopes.js';

export interface JwtConfig {
  jwks_url: string;
  /** PEM (SPKI) public key, used when no JWKS URL is set. */
  public_key: string;
  algorithms: readonly string[];
  issuer: string;
  audience: string;
  tenant_claim: string;
  seller_claim: string;
  roles_claim: string;
}

export interface JwtGrant {
  subject: string;
  tenant_id: string;
  seller_id: string;
  scopes: string[];
}

const READ_SCOPES = SELLER_SCOPES.filter((s) => s.endsWith(':read'));

/**
 * Roles of the platform's identity provider, mapped onto scopes: `seller_admin` may do all a
 * seller key may, `seller_viewer` may read; a role named like a scope grants that scope.
 */
export function scopesForRoles(roles: readonly string[]): string[] {
  const out = new Set<string>();
  for (const role of roles) {
    if (role === 'seller_admin') SELLER_SCOPES.forEach((s) => out.add(s));
    else if (role === 'seller_viewer') READ_SCOPES.forEach((s) => out.add(s));
    else if ((SELLER_SCOPES as readonly string[]).includes(role)) out.add(role);
  }
  return [...out].sort();
}

/** Verifies platform JWTs (signature, expiry, issuer, audience) with `jose`, against a JWKS URL or one key. */
export class JwtVerifier {
  private constructor(
    private readonly config: JwtConfig,
    private readonly key: JWTVerifyGetKey | Awaited<ReturnType<typeof importSPKI>>,
  ) {}

  /** null when neither a JWKS URL nor a key is configured (JWTs are then refused like any bad key). */
  static async create(config: JwtConfig): Promise<JwtVerifier | null> {
    if (config.jwks_url) return new JwtVerifier(config, createRemoteJWKSet(new URL(config.jwks_url), { timeoutDuration: 3000, cooldownDuration: 30_000 }));
    if (config.public_key) return new JwtVerifier(config, await importSPKI(config.public_key, config.algorithms[0] ?? 'RS256'));
    return null;
  }

  static looksLikeJwt(token: string): boolean {
    return /^eyJ[\w-]*\.[\w-]+\.[\w-]+$/.test(token);
  }

  async verify(token: string): Promise<JwtGrant> {
    let payload: JWTPayload;
    try {
      const options = {
        algorithms: [...this.config.algorithms],
        ...(this.config.issuer ? { issuer: this.config.issuer } : {}),
        ...(this.config.audience ? { audience: this.config.audience } : {}),
      };
      ({ payload } = typeof this.key === 'function' ? await jwtVerify(token, this.key, options) : await jwtVerify(token, this.key, options));
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (code === 'ERR_JWKS_TIMEOUT' || (code === 'ERR_JOSE_GENERIC' && /fetch|network/i.test((err as Error).message))) throw AppError.unavailable('identity provider JWKS', err);
      throw new AppError('unauthorized', 'invalid token', { reason: code || 'invalid' });
    }
    const tenant = payload[this.config.tenant_claim];
    const seller = payload[this.config.seller_claim];
    const roles = payload[this.config.roles_claim];
    if (typeof tenant !== 'string' || typeof seller !== 'string') throw new AppError('unauthorized', `token lacks the ${this.config.tenant_claim} or ${this.config.seller_claim} claim`);
    const roleList = Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : typeof roles === 'string' ? roles.split(' ') : [];
    return { subject: payload.sub ?? seller, tenant_id: tenant, seller_id: seller, scopes: scopesForRoles(roleList) };
  }
}
