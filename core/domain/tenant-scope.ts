/** Every repository call takes the tenant scope first: no query can forget which tenant it is for. */
export interface TenantScope {
  readonly tenantId: string;
}

export interface SellerScope extends TenantScope {
  readonly sellerId: string;
}

export function tenantScope(tenantId: string): TenantScope {
  return Object.freeze({ tenantId });
}

export function sellerScope(tenantId: string, sellerId: string): SellerScope {
  return Object.freeze({ tenantId, sellerId });
}
