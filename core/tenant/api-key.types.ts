/** A seller API key as stored: only a SHA-256 of the key itself is kept. */
export interface ApiKey {
  id: string;
  tenant_id: string;
  seller_id: string;
  name: string;
  scopes: string[];
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
  /** Set on the old key of a rotation: the key that replaced it. */
  replaced_by: string | null;
}

/** What authentication needs, small enough to cache in Redis. */
export interface ApiKeyGrant {
  id: string;
  tenant_id: string;
  seller_id: string;
  scopes: string[];
  expires_at: string | null;
  revoked: boolean;
}
