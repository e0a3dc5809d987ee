import type { Order, RuleHold, TimelineEntry } from '../domain/order.js';
import type { Firing, RuleOutcome } from './rule.types.js';

/**
 * Pure: what the firing rules (highest priority first) decide together.
 * - hold: the highest-priority firing rule with a hold. A hold beats an approve: `approve` only
 *   overrides auto-approval being off, never another rule's hold.
 * - prefer / forbid hubs: the union; a hub both preferred and forbidden is forbidden.
 * - tags: the union; priority: the highest-priority rule that sets one.
 */
export function outcomeOf(fired: Firing[]): RuleOutcome {
  const outcome: RuleOutcome = { fired, hold: null, approve: null, prefer_hubs: new Map(), forbid_hubs: new Map(), tags: [], priority: null };
  for (const firing of fired) {
    for (const action of firing.actions) {
      switch (action.type) {
        case 'hold':
          outcome.hold ??= { reason: action.reason, firing };
          break;
        case 'approve':
          outcome.approve ??= firing;
          break;
        case 'prefer_hubs':
        case 'forbid_hubs': {
          const into = action.type === 'prefer_hubs' ? outcome.prefer_hubs : outcome.forbid_hubs;
          for (const hub of action.hub_codes) if (!into.has(hub)) into.set(hub, firing.rule_name);
          break;
        }
        case 'add_tags':
          for (const tag of action.tags) if (!outcome.tags.includes(tag)) outcome.tags.push(tag);
          break;
        case 'set_priority':
          outcome.priority ??= { value: action.priority, rule_name: firing.rule_name };
          break;
      }
    }
  }
  for (const hub of outcome.forbid_hubs.keys()) outcome.prefer_hubs.delete(hub);
  return outcome;
}

export const NO_RULES: RuleOutcome = outcomeOf([]);

/** What applying an outcome changes on an order: fields, new timeline entries, and the firings they record. */
export interface RuleEffects {
  set: Partial<Pick<Order, 'tags' | 'priority' | 'rules_fired'>>;
  timeline: Omit<TimelineEntry, 'at'>[];
  /** Firings not on the order's timeline yet (counted once, when recorded). */
  recorded: Firing[];
}

/**
 * Pure. A firing is recorded once: the same rule at the same version matching the same facts
 * is not written again when routing re-evaluates the order (sweeps would grow the timeline).
 */
export function effectsOn(order: Pick<Order, 'tags' | 'priority' | 'rules_fired' | 'timeline'>, outcome: RuleOutcome): RuleEffects {
  const seen = new Set(order.timeline.filter((e) => e.kind === 'rule_fired').map((e) => firingKey(e.details ?? {})));
  const recorded = outcome.fired.filter((f) => !seen.has(firingKey(f)));
  const set: RuleEffects['set'] = {};
  const tags = [...(order.tags ?? [])];
  for (const tag of outcome.tags) if (!tags.includes(tag)) tags.push(tag);
  if (tags.length !== (order.tags ?? []).length) set.tags = tags;
  if (outcome.priority && outcome.priority.value !== order.priority) set.priority = outcome.priority.value;
  const names = [...(order.rules_fired ?? [])];
  for (const f of recorded) if (!names.includes(f.rule_name)) names.push(f.rule_name);
  if (names.length !== (order.rules_fired ?? []).length) set.rules_fired = names;
  return { set, timeline: recorded.map(firingEntry), recorded };
}

function firingEntry(f: Firing): Omit<TimelineEntry, 'at'> {
  return {
    actor: 'system',
    kind: 'rule_fired',
    from: null,
    to: null,
    reason: f.rule_name,
    details: { rule_id: f.rule_id, rule_name: f.rule_name, rule_version: f.rule_version, built_in: f.built_in, seller_rule: f.seller_id !== null, actions: f.actions, matched: f.matched },
  };
}

function firingKey(f: { rule_id?: unknown; rule_version?: unknown; matched?: unknown }): string {
  return JSON.stringify([f.rule_id, f.rule_version, f.matched]);
}

/** The rule that holds the order, as stored on it (so routing knows whether the hold may lift by itself). */
export function ruleHoldOf(outcome: RuleOutcome): RuleHold | null {
  const f = outcome.hold?.firing;
  return f ? { rule_id: f.rule_id, rule_name: f.rule_name, rule_version: f.rule_version, release_when_unmatched: f.release_when_unmatched } : null;
}

/** The rules part of a routing explanation and of a dry run. */
export function explainOutcome(outcome: RuleOutcome): Record<string, unknown> {
  return {
    fired: outcome.fired.map((f) => ({ rule: f.rule_name, rule_id: f.rule_id, version: f.rule_version, built_in: f.built_in, priority: f.priority, actions: f.actions, matched: f.matched })),
    hold: outcome.hold ? { reason: outcome.hold.reason, rule: outcome.hold.firing.rule_name } : null,
    approved_by: outcome.approve?.rule_name ?? null,
    preferred_hubs: Object.fromEntries(outcome.prefer_hubs),
    forbidden_hubs: Object.fromEntries(outcome.forbid_hubs),
    tags: outcome.tags,
    priority: outcome.priority,
  };
}
