import { z } from 'zod';

/** Answers of the dead-letter routes (core/operations/dead-letter.types.ts). */
const DeadLetterView = z.looseObject({
  message_id: z.string(),
  error_code: z.string(),
  error_message: z.string(),
  error_details: z.unknown(),
  source_queue: z.string().nullable(),
  receive_count: z.number().int().nullable(),
  dead_lettered_at: z.string(),
  attributes: z.record(z.string(), z.string()),
});

export const QueueDeadLettersView = z
  .looseObject({
    queue: z.string(),
    dlq: z.string(),
    visible: z.number().int(),
    in_flight: z.number().int(),
    delayed: z.number().int(),
    dlq_depth: z.number().int(),
    oldest: z.array(DeadLetterView).optional(),
  })
  .meta({ id: 'QueueDeadLetters' });

export const RedriveReportView = z
  .object({
    queue: z.string(),
    dlq: z.string(),
    dry_run: z.boolean(),
    redriven: z.array(z.string()),
    failed: z.array(z.object({ message_id: z.string(), error: z.string() })),
    not_found: z.array(z.string()),
  })
  .meta({ id: 'RedriveReport' });
