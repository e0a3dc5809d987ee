import { Rule as EngineRule, type TopLevelCondition } from 'json-rules-engine';
import { z } from 'zod';
import { AppError, type FieldError } from '../domain/errors.js';
import type { HoldReason } from '../domain/order.js';
import { zodFieldErrors } from '../domain/validation.js';
import { STOCK_HOLD_REASONS } from '../hub_routing/hold-rules.js';
import { FACTS, type FactKind } from './rule-facts.js';
import type { RuleInput } from './rule.types.js';

const hubCodes = z.array(z.string().trim().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a hub code: letters, digits, _ and - only')).min(1).max(50);

const HoldAction = z
  .object({
    type: z.literal('hold'),
    reason: z
      .string()
      .trim()
      .regex(/^[a-z][a-z0-9_]{2,40}$/, 'a typed hold reason or your own: lower case letters, digits and _, 3 to 41 long')
      .refine((r) => !STOCK_HOLD_REASONS.includes(r as HoldReason), 'reserved for routing, which clears it by itself when stock or a hub turns up')
      // A typed reason or the tenant's own: either way, a validated one (order.ts, TenantHoldReason).
      .transform((r) => r as HoldReason),
  })
  .strict();

export const RuleActionSchema = z.discriminatedUnion('type', [
  HoldAction,
  z.object({ type: z.literal('approve') }).strict(),
  z.object({ type: z.literal('prefer_hubs'), hub_codes: hubCodes }).strict(),
  z.object({ type: z.literal('forbid_hubs'), hub_codes: hubCodes }).strict(),
  z.object({ type: z.literal('add_tags'), tags: z.array(z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9_:-]{0,39}$/, 'letters, digits, _ : - only, at most 40')).min(1).max(20) }).strict(),
  z.object({ type: z.literal('set_priority'), priority: z.number().int().min(0).max(100) }).strict(),
]);

export const RuleBody = z
  .object({
    name: z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9 _.:-]{0,79}$/, 'letters, digits, space and _ . : - only, at most 80'),
    description: z.string().trim().max(500).nullish().transform((v) => v ?? null),
    priority: z.number().int().min(1).max(1000).default(100),
    enabled: z.boolean().default(true),
    release_when_unmatched: z.boolean().default(false),
    // Shape and meaning are checked by conditionErrors (paths into the tree, fact by fact).
    conditions: z.record(z.string(), z.unknown()),
    actions: z
      .array(RuleActionSchema)
      .min(1)
      .max(10)
      .refine((a) => a.filter((x) => x.type === 'hold').length <= 1, 'at most one hold action')
      .refine((a) => !(a.some((x) => x.type === 'hold') && a.some((x) => x.type === 'approve')), 'a rule cannot both hold and approve'),
  })
  .strict();

/** A built-in rule can only be switched off or on and moved in priority. */
export const BuiltInBody = z.object({ enabled: z.boolean(), priority: z.number().int().min(1).max(1000).optional() }).strict();

const OPERATORS: Readonly<Record<string, readonly FactKind[]>> = {
  equal: ['number', 'string'],
  notEqual: ['number', 'string'],
  in: ['number', 'string'],
  notIn: ['number', 'string'],
  lessThan: ['number'],
  lessThanInclusive: ['number'],
  greaterThan: ['number'],
  greaterThanInclusive: ['number'],
  contains: ['list'],
  doesNotContain: ['list'],
};

const MAX_DEPTH = 6;
const MAX_LEAVES = 50;

/**
 * Parses a rule body: its shape (zod), then its conditions (every fact known, every operator
 * known and fit for the fact, every value of the fact's type), then json-rules-engine's own
 * check. Throws one 400 naming every bad path, prefixed with `prefix` (e.g. `rules.2`).
 */
export function parseRule(raw: unknown, prefix = ''): RuleInput {
  const shape = RuleBody.safeParse(raw);
  if (!shape.success) throw AppError.validation(zodFieldErrors(shape.error, prefix), 'the rule is not valid');
  const at = (p: string) => [prefix, p].filter(Boolean).join('.');
  const errors = conditionErrors(shape.data.conditions, at('conditions'));
  if (errors.length > 0) throw AppError.validation(errors, 'the rule is not valid');
  const rule = { ...shape.data, conditions: shape.data.conditions as unknown as TopLevelCondition };
  try {
    new EngineRule({ conditions: rule.conditions, event: { type: 'check' }, priority: rule.priority });
  } catch (err) {
    throw AppError.validation([{ field: at('conditions'), message: (err as Error).message }], 'the rule is not valid');
  }
  return rule;
}

/** Every problem of a condition tree, by path. The top must be all, any or not. */
export function conditionErrors(node: unknown, path: string): FieldError[] {
  const errors: FieldError[] = [];
  let leaves = 0;
  const visit = (n: unknown, p: string, depth: number, top: boolean): void => {
    if (!isObject(n)) return void errors.push({ field: p, message: 'a condition object' });
    if (depth > MAX_DEPTH) return void errors.push({ field: p, message: `nested deeper than ${MAX_DEPTH}` });
    const groups = (['all', 'any', 'not'] as const).filter((k) => k in n);
    if (groups.length > 1) return void errors.push({ field: p, message: 'one of all, any or not, not several' });
    const group = groups[0];
    if (group === 'all' || group === 'any') {
      const list = n[group];
      if (!Array.isArray(list) || list.length === 0) return void errors.push({ field: `${p}.${group}`, message: 'a non-empty list of conditions' });
      unknownKeys(n, [group], p);
      list.forEach((child, i) => visit(child, `${p}.${group}.${i}`, depth + 1, false));
      return;
    }
    if (group === 'not') {
      unknownKeys(n, ['not'], p);
      return visit(n.not, `${p}.not`, depth + 1, false);
    }
    if (top) return void errors.push({ field: p, message: 'the top condition must be all, any or not' });
    leaves += 1;
    if (leaves === MAX_LEAVES + 1) errors.push({ field: p, message: `more than ${MAX_LEAVES} conditions` });
    leaf(n, p);
  };
  const unknownKeys = (n: Record<string, unknown>, allowed: string[], p: string) => {
    for (const k of Object.keys(n)) if (!allowed.includes(k)) errors.push({ field: `${p}.${k}`, message: 'unknown key' });
  };
  const leaf = (n: Record<string, unknown>, p: string): void => {
    unknownKeys(n, ['fact', 'operator', 'value', 'params'], p);
    const spec = typeof n.fact === 'string' ? FACTS[n.fact] : undefined;
    if (!spec) return void errors.push({ field: `${p}.fact`, message: `unknown fact; one of ${Object.keys(FACTS).join(', ')}` });
    const kinds = typeof n.operator === 'string' ? OPERATORS[n.operator] : undefined;
    if (!kinds) return void errors.push({ field: `${p}.operator`, message: `unknown operator; one of ${Object.keys(OPERATORS).join(', ')}` });
    if (!kinds.includes(spec.kind)) return void errors.push({ field: `${p}.operator`, message: `${n.operator} does not apply to ${n.fact} (a ${spec.kind})` });
    paramsErrors(n.params, spec.params ?? [], `${p}.params`);
    const message = valueError(spec, n.operator as string, n.value);
    if (message) errors.push({ field: `${p}.value`, message });
  };
  const paramsErrors = (params: unknown, wanted: readonly string[], p: string) => {
    if (wanted.length === 0) {
      if (params !== undefined) errors.push({ field: p, message: 'this fact takes no params' });
      return;
    }
    if (!isObject(params)) return void errors.push({ field: p, message: `required: {${wanted.join(', ')}}` });
    for (const k of wanted) if (typeof params[k] !== 'string' || params[k] === '') errors.push({ field: `${p}.${k}`, message: 'a non-empty string' });
    unknownKeys(params, [...wanted], p);
  };
  visit(node, path, 0, true);
  return errors;
}

function valueError(spec: (typeof FACTS)[string], operator: string, value: unknown): string | null {
  const scalar = spec.kind === 'list' ? 'string' : spec.kind;
  const fits = (v: unknown) => (scalar === 'number' ? typeof v === 'number' && Number.isFinite(v) : typeof v === 'string' && v.length <= 200);
  const allowed = (v: unknown) => !spec.values || spec.values.includes(v as string);
  if (operator === 'in' || operator === 'notIn') {
    if (!Array.isArray(value) || value.length === 0 || value.length > 500) return `a list of 1 to 500 ${scalar}s`;
    const bad = value.find((v) => !fits(v) || !allowed(v));
    return bad === undefined ? null : `${JSON.stringify(bad)} is not ${spec.values ? `one of ${spec.values.join(', ')}` : `a ${scalar}`}`;
  }
  if (!fits(value)) return `a ${scalar}`;
  if (!allowed(value)) return `one of ${spec.values!.join(', ')}`;
  return null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
