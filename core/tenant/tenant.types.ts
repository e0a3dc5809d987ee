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
  /** Courier booking (core/courier, docs/adr/0011). */
  courier: CourierSettings;
  /** SLA clocks (core/sla, docs/adr/0012). */
  sla: SlaSettings;
  /** Split fulfilment (core/hub_routing/split-plan.ts, docs/adr/0020). */
  fulfilment: FulfilmentSettings;
  /** One invoice per order, or one per part of a split order (docs/adr/0020). */
  invoicing: InvoicingSettings;
}

export const INVOICE_PER = ['order', 'fulfilment'] as const;

export interface InvoicingSettings {
  /** `fulfilment`: each part of a split order is invoiced when it ships; one-part orders are invoiced per order either way. */
  per: (typeof INVOICE_PER)[number];
}

export const FULFILMENT_POLICIES = ['single_hub', 'split_allowed', 'split_by_line'] as const;
export type FulfilmentPolicy = (typeof FULFILMENT_POLICIES)[number];

/** The most parts an order is ever split into (a bound on the order document's size too). */
export const MAX_PARTS = 10;

export interface FulfilmentSettings {
  /**
   * `single_hub`: an order no one hub can ship waits (on hold). `split_allowed`: it is split over
   * the fewest hubs (then the best scores), a line's quantity too if need be. `split_by_line`:
   * whole lines only, at most `max_parts` parts.
   */
  policy: FulfilmentPolicy;
  max_parts: number;
}

// ---- courier booking and SLA settings (issue 16) ----
export interface CourierSettings {
  /** The stage at which the fulfilment's courier is booked. */
  book_on: 'approved' | 'packed';
  /** The tenant's carriers: tried by ascending priority, only `enabled` ones (the allow list). */
  carriers: { name: string; base_url: string; priority: number; enabled: boolean }[];
}

export interface SlaWindows {
  approve_within_hours: number | null;
  ship_within_hours: number | null;
  deliver_within_hours: number | null;
}

export interface SlaSettings extends SlaWindows {
  /** Share of a window used at which the order is `sla_at_risk` (0.8: 80 %). */
  at_risk_ratio: number;
  /** Per sales channel: its windows replace the tenant's where set (not null). */
  channels: ({ sales_channel: string } & Partial<SlaWindows>)[];
  /** Per hub: orders approved after `cutoff_time` (HH:MM, UTC) or on a day off start their ship clock at the next working day. */
  hubs: { hub_code: string; cutoff_time: string | null; working_days: number[] | null }[];
}
