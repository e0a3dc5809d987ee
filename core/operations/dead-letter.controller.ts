import { z } from 'zod';
import { dataOf } from '../../router/openapi/schemas.js';
import type { RouteGroup } from '../../router/route-group.js';
import { QueueDeadLettersView, RedriveReportView } from './dead-letter.responses.js';
import type { DeadLetterService } from './dead-letter.service.js';

const ListQuery = z.object({
  queue: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(0).max(50).default(5),
});

const RedriveParams = z.object({ queue: z.string().min(1) });

export const RedriveBody = z
  .object({
    all: z.literal(true).optional(),
    message_ids: z.array(z.string().min(1).max(200)).min(1).max(1000).optional(),
    dry_run: z.boolean().default(false),
  })
  .strict()
  .refine((b) => (b.all === true) !== (b.message_ids !== undefined), { message: 'give either all: true or message_ids', path: ['all'] });

/** Internal API over the dead-letter queues: the same service as `oms dlq`. */
export function registerDeadLetterRoutes(internal: RouteGroup, deadLetters: DeadLetterService): void {
  internal.add(
    {
      method: 'get',
      path: '/dlq', operationId: 'listDeadLetters', response: z.object({ data: z.array(QueueDeadLettersView) }).strict(),
      summary: "Each queue's depth, its DLQ's depth and the DLQ's oldest messages with their failure reason",
      tag: 'operations',
      query: ListQuery,
      errors: { 404: 'not_found: no such queue (details.known lists them)' },
    },
    async ({ query }) => {
      const depths = await deadLetters.depths(query.queue);
      const data = await Promise.all(
        depths.map(async (d) => ({ ...d, oldest: d.dlq_depth > 0 && query.limit > 0 ? await deadLetters.oldest(d.queue, query.limit) : [] })),
      );
      return { body: { data } };
    },
  );

  internal.add(
    {
      method: 'post',
      path: '/dlq/:queue/redrive', operationId: 'redriveDeadLetters', response: dataOf(RedriveReportView),
      summary: 'Send DLQ messages back to their source queue (each deleted from the DLQ once sent); dry_run moves nothing',
      tag: 'operations',
      params: RedriveParams,
      body: RedriveBody,
      errors: { 404: 'unknown queue' },
    },
    async ({ params, body }) => ({
      body: { data: await deadLetters.redrive(params.queue, { all: body.all, messageIds: body.message_ids, dryRun: body.dry_run }) },
    }),
  );
}
