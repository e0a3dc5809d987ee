import { z } from 'zod';

/** Answers of the rule routes, for the OpenAPI documents (loose where the engine's condition trees nest freely). */
export const RuleView = z
  .looseObject({
    id: z.string(),
    version: z.number().int(),
    built_in: z.boolean(),
    seller_id: z.string().nullable(),
    name: z.string(),
    description: z.string().nullable(),
    priority: z.number().int(),
    enabled: z.boolean(),
    release_when_unmatched: z.boolean(),
    conditions: z.record(z.string(), z.unknown()),
    actions: z.array(z.record(z.string(), z.unknown())),
  })
  .meta({ id: 'Rule' });

export const RuleSetVersionView = z
  .looseObject({ version: z.number().int(), change: z.string(), author: z.record(z.string(), z.unknown()).nullable() })
  .meta({ id: 'RuleSetVersion' });

export const DryRunView = z.looseObject({ fired: z.array(z.record(z.string(), z.unknown())) }).meta({ id: 'RuleDryRun' });

export const AnyData = z.looseObject({});
