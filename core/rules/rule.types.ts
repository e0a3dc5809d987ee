import type { TopLevelCondition } from 'json-rules-engine';
import type { Actor, HoldReason } from '../domain/order.js';

/** What a rule does when its conditions match. */
export type RuleAction =
  | { type: 'hold'; reason: HoldReason }
  | { type: 'approve' }
  | { type: 'prefer_hubs'; hub_codes: string[] }
  | { type: 'forbid_hubs'; hub_codes: string[] }
  | { type: 'add_tags'; tags: string[] }
  | { type: 'set_priority'; priority: number };

/** What a client sends to create or replace a rule (validated by rule.schemas.ts). */
export interface RuleInput {
  name: string;
  description: string | null;
  /** Higher runs first and wins conflicts (the hold of the highest-priority firing rule is the one applied). */
  priority: number;
  enabled: boolean;
  /** A hold of this rule is lifted when the order no longer matches (after an edit), not only by an approve. */
  release_when_unmatched: boolean;
  /** json-rules-engine conditions over the order facts of rule-facts.ts (all / any / not). */
  conditions: TopLevelCondition;
  actions: RuleAction[];
}

/** A rule as stored: its id, and the rule-set version in which it last changed (its version). */
export interface Rule extends RuleInput {
  id: string;
  version: number;
  built_in: boolean;
  /** null: tenant-wide; else the seller whose orders it applies to. */
  seller_id: string | null;
}

export interface Author {
  actor: Actor;
  seller_id: string | null;
}

/** What a tenant changed of a built-in rule: only whether it runs and its priority. */
export interface BuiltInOverride {
  enabled: boolean;
  priority: number;
  version: number;
}

/** The rules of one scope (the tenant, or one seller) at one version. */
export interface RuleSet {
  tenant_id: string;
  seller_id: string | null;
  version: number;
  rules: Rule[];
  /** Tenant-wide sets only: overrides of the built-in rules, by built-in id. */
  built_ins: Record<string, BuiltInOverride>;
  at: Date;
  author: Author | null;
  change: string;
}

/** A leaf condition that matched, with the order's value: "the facts that matched". */
export interface MatchedFact {
  fact: string;
  operator: string;
  value: unknown;
  fact_value: unknown;
  params?: Record<string, unknown>;
}

/** One rule that fired on one evaluation. */
export interface Firing {
  rule_id: string;
  rule_name: string;
  rule_version: number;
  built_in: boolean;
  seller_id: string | null;
  priority: number;
  release_when_unmatched: boolean;
  actions: RuleAction[];
  matched: MatchedFact[];
}

/** What the firing rules decide together (rule-outcome.ts says how conflicts are settled). */
export interface RuleOutcome {
  /** Highest priority first. */
  fired: Firing[];
  hold: { reason: HoldReason; firing: Firing } | null;
  approve: Firing | null;
  /** Hub code -> name of the rule that prefers or forbids it. */
  prefer_hubs: Map<string, string>;
  forbid_hubs: Map<string, string>;
  tags: string[];
  priority: { value: number; rule_name: string } | null;
}
