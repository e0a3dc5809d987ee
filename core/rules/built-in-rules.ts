import type { HoldReason } from '../domain/order.js';
import type { TenantSettings } from '../tenant/tenant.types.js';
import type { BuiltInOverride, Rule } from './rule.types.js';

/** A built-in rule as listed: the rule, whether it runs, and the setting that drives it. */
export interface BuiltInView extends Rule {
  /** Runs: enabled here and switched on (or given a threshold) in the tenant settings. */
  active: boolean;
  configured_by: string;
}

interface BuiltInSpec {
  id: string;
  priority: number;
  setting: keyof TenantSettings['hold_rules'];
  release_when_unmatched: boolean;
  reason: HoldReason;
  description: string;
  /** The conditions for the tenant's setting, or null when the setting switches the rule off. */
  conditions(rules: TenantSettings['hold_rules']): Rule['conditions'] | null;
}

/**
 * The three hold rules the OMS had in code (core/hub_routing/hold-rules.ts), as rules: same
 * order (payment first, then review), same thresholds from the tenant settings, so a tenant
 * that never touches rules sees no change. A tenant may switch one off or change its priority.
 * User rules default to priority 100, above these, so their holds win a conflict.
 */
const SPECS: readonly BuiltInSpec[] = [
  {
    id: 'hold_unpaid_prepaid',
    priority: 30,
    setting: 'hold_unpaid_prepaid',
    // Today's behaviour: the hold lifts once the payment is paid (re-evaluated by routing).
    release_when_unmatched: true,
    reason: 'payment_pending',
    description: 'Prepaid orders whose payment is not paid wait in payment_pending',
    conditions: (r) =>
      r.hold_unpaid_prepaid
        ? { all: [{ fact: 'payment_method', operator: 'equal', value: 'prepaid' }, { fact: 'payment_status', operator: 'notEqual', value: 'paid' }] }
        : null,
  },
  {
    id: 'manual_review_above_total',
    priority: 20,
    setting: 'manual_review_above_total',
    release_when_unmatched: false,
    reason: 'manual_review',
    description: 'Orders above the total of settings.hold_rules.manual_review_above_total wait for a person',
    conditions: (r) => (r.manual_review_above_total === null ? null : { all: [{ fact: 'total', operator: 'greaterThan', value: r.manual_review_above_total }] }),
  },
  {
    id: 'cod_limit',
    priority: 10,
    setting: 'cod_limit',
    release_when_unmatched: false,
    reason: 'manual_review',
    description: 'COD orders above settings.hold_rules.cod_limit wait for a person',
    conditions: (r) =>
      r.cod_limit === null ? null : { all: [{ fact: 'payment_method', operator: 'equal', value: 'cod' }, { fact: 'total', operator: 'greaterThan', value: r.cod_limit }] },
  },
];

export const BUILT_IN_IDS: readonly string[] = SPECS.map((s) => s.id);

export function builtInPriority(id: string): number {
  return SPECS.find((s) => s.id === id)?.priority ?? 1;
}

/** Every built-in rule for these settings and overrides, active or not (for listing). */
export function builtInRules(settings: TenantSettings, overrides: Record<string, BuiltInOverride>): BuiltInView[] {
  return SPECS.map((spec) => {
    const override = overrides[spec.id];
    const conditions = spec.conditions(settings.hold_rules);
    const enabled = override?.enabled ?? true;
    return {
      id: spec.id,
      name: spec.id,
      description: spec.description,
      priority: override?.priority ?? spec.priority,
      enabled,
      release_when_unmatched: spec.release_when_unmatched,
      conditions: conditions ?? { all: [] },
      actions: [{ type: 'hold', reason: spec.reason }],
      version: override?.version ?? 0,
      built_in: true,
      seller_id: null,
      active: enabled && conditions !== null,
      configured_by: `settings.hold_rules.${spec.setting}`,
    };
  });
}
