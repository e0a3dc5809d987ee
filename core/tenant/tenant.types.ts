export interface Tenant {
  id: string;
  name: string;
  created_at: Date;
}

export interface Seller {
  id: string;
  tenant_id: string;
  name: string;
  code: string;
  created_at: Date;
}

/** Per-tenant business settings (API.md: PUT /internal/api/v1/tenants/{tenant_id}/settings). */
export interface TenantSettings {
  auto_approval: boolean;
  routing: { proximity_weight: number; performance_weight: number };
  hold_rules: {
    /** Prepaid orders whose payment is not `paid` wait in `payment_pending`. */
    hold_unpaid_prepaid: boolean;
    /** Orders whose total is above this go to `manual_review` (null: no limit). */
    manual_review_above_total: number | null;
    /** COD orders above this go to `manual_review` (null: no limit). */
    cod_limit: number | null;
  };
  low_stock_threshold: number;
  /** The payment lifecycle (core/payment). */
  payment: {
    /** A payment failing after approval: the order is cancelled, or put back on hold (payment_pending); its stock is released either way. */
    on_failure: 'cancel' | 'hold';
    /** Release (cancel with reason payment_timeout) prepaid orders still unpaid after reservation_timeout_s. */
    auto_release: boolean;
    reservation_timeout_s: number;
  };
}
