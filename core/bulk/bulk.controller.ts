import multer from '@koa/multer';
import type { Middleware } from 'koa';
import { z } from 'zod';
import type { SellerRoutes } from '../../router/app.js';
import { AppError } from '../domain/errors.js';
import { ordersFromFile } from './bulk-file.js';
import type { BulkJobService } from './bulk-job.service.js';
import { BULK_ACTIONS, itemView, jobView, type BulkJob } from './bulk.types.js';
import { dataOf } from '../../router/openapi/schemas.js';
import { CREATE_ORDER_EXAMPLE } from '../order/order.controller.js';
import { BulkJobAcceptedView, BulkJobPage } from './bulk.responses.js';

const TAG = 'bulk jobs';
/** Larger than the JSON body limit: a CSV repeats its columns per line. */
const MAX_UPLOAD_BYTES = 25 * 1024 * 1024;

export function bulkSchemas(maxItems: number) {
  return {
    action: z
      .object({
        action: z.enum(BULK_ACTIONS),
        order_ids: z.array(z.string().trim().min(1).max(100)).min(1).max(maxItems),
        reason: z.string().trim().min(1).max(500).nullish(),
        hub_code: z.string().trim().min(1).max(64).nullish(),
      })
      .strict()
      .superRefine((body, ctx) => {
        if (body.action === 'cancel' && !body.reason) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'required to cancel' });
        if (body.action === 'assign_hub' && !body.hub_code) ctx.addIssue({ code: 'custom', path: ['hub_code'], message: 'required to assign a hub' });
      }),
    /** Entries are checked one by one by the job (a bad one fails alone); the list itself is checked here. */
    create: z
      .object({
        // Any JSON per entry (an invalid one fails alone); documented as the create-order body it should be.
        orders: z.array(z.unknown().meta({ type: 'object', description: 'A create-order body (see createOrder)' })).min(1).max(maxItems),
      })
      .strict(),
    jobParams: z.object({ seller_id: z.string().min(1), job_id: z.string().min(1).max(100) }),
    jobQuery: z
      .object({
        status: z.enum(['pending', 'succeeded', 'failed']).optional(),
        page: z.coerce.number().int().min(1).default(1),
        per_page: z.coerce.number().int().min(1).max(1000).default(100),
      })
      .strict(),
  };
}

/** Bulk routes, on both the public and the internal seller groups; every one answers 202 with the job at once. */
export function registerBulkRoutes(groups: { seller: SellerRoutes }, jobs: BulkJobService, limits: { maxItems: number }): void {
  const schemas = bulkSchemas(limits.maxItems);
  const accepted = (job: BulkJob) => ({ status: 202, body: { data: { job_id: job.id, ...jobView(job) } } });

  groups.seller.add(
    {
      method: 'post',
      path: '/orders/bulk',
      operationId: 'createBulkAction',
      response: dataOf(BulkJobAcceptedView),
      example: { action: 'cancel', order_ids: ['ord_01HZX3K4', 'ord_01HZX3K5'], reason: 'customer asked' },
      summary: 'Approve, cancel or assign a hub to many orders; progress at GET /bulk-jobs/{job_id}',
      tag: TAG,
      status: 202,
      body: schemas.action,
    },
    async ({ body, caller }) => accepted(await jobs.createActionJob(caller.scope!, caller.actor, body)),
  );

  groups.seller.add(
    {
      method: 'post',
      path: '/orders/bulk-create',
      operationId: 'createBulkOrders',
      response: dataOf(BulkJobAcceptedView),
      example: { orders: [CREATE_ORDER_EXAMPLE, { ...CREATE_ORDER_EXAMPLE, order_id: 'SO-1002' }] },
      summary: `Create up to ${limits.maxItems} orders (each the create-order body); invalid ones fail alone`,
      tag: TAG,
      status: 202,
      body: schemas.create,
    },
    async ({ body, caller }) => accepted(await jobs.createOrdersJob(caller.scope!, caller.actor, body.orders, 'json')),
  );

  groups.seller.add(
    {
      method: 'post',
      path: '/orders/bulk-create/upload',
      operationId: 'uploadBulkOrders',
      response: dataOf(BulkJobAcceptedView),
      form: z.object({ file: z.string().meta({ format: 'binary', description: 'CSV (one row per order line) or JSON (an array of create-order bodies)' }) }),
      summary: 'Create orders from an uploaded file (multipart field "file": CSV, one row per order line, or JSON)',
      tag: TAG,
      status: 202,
      before: [uploadOne('file')],
    },
    async ({ caller, ctx }) => {
      const file = ctx.request.file as { buffer: Buffer; originalname: string; mimetype: string } | undefined;
      if (!file) throw AppError.validation([{ field: 'file', message: 'send the orders as multipart/form-data field "file"' }]);
      const { orders, source } = ordersFromFile(file);
      return accepted(await jobs.createOrdersJob(caller.scope!, caller.actor, orders, source));
    },
  );

  groups.seller.add(
    {
      method: 'get',
      path: '/bulk-jobs/:job_id',
      operationId: 'getBulkJob',
      response: BulkJobPage,
      summary: 'A bulk job: progress (done/total) and its items, page by page, each with its result or error',
      tag: TAG,
      params: schemas.jobParams,
      query: schemas.jobQuery,
    },
    async ({ params, query, caller }) => {
      const { job, items, total } = await jobs.get(caller.scope!, params.job_id, { status: query.status }, query.page, query.per_page);
      return {
        body: {
          data: { ...jobView(job), items: items.map((i) => itemView(i, job.kind)) },
          meta: { page: query.page, per_page: query.per_page, total },
        },
      };
    },
  );
}

/** Multer, with its errors turned into ours (it throws plain errors with its own codes). */
function uploadOne(field: string): Middleware {
  const single = multer({ storage: multer.memoryStorage(), limits: { fileSize: MAX_UPLOAD_BYTES, files: 1 } }).single(field);
  return async (ctx, next) => {
    let parsed = false;
    try {
      await single(ctx, async () => {
        parsed = true;
      });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'LIMIT_FILE_SIZE') throw new AppError('payload_too_large', `file is larger than ${MAX_UPLOAD_BYTES} bytes`);
      throw new AppError('bad_request', `could not read the upload: ${(err as Error).message}`, { code: code ?? null });
    }
    if (parsed) await next();
  };
}
