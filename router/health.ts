import { z } from 'zod';
import type { HealthCheck } from './app.js';
import type { RouteGroup } from './route-group.js';

const CHECK_TIMEOUT_MS = 3000;

const Live = z.object({ status: z.literal('ok') }).strict().meta({ id: 'Liveness' });
const Ready = z
  .object({
    status: z.enum(['ready', 'not_ready']),
    checks: z.record(z.string(), z.string()).meta({ description: 'Each dependency: "ok" or "unavailable: <why>"', example: { mongodb: 'ok', redis: 'ok', sqs: 'ok' } }),
  })
  .strict()
  .meta({ id: 'Readiness' });

/** Probes for the orchestrator, without credentials: liveness (the process answers) and readiness (its stores answer). */
export function registerHealthRoutes(open: RouteGroup, checks: HealthCheck[]): void {
  open.add({ method: 'get', path: '/health/live', operationId: 'getLiveness', summary: 'The process is up', tag: 'health', response: Live }, async () => ({
    body: { status: 'ok' },
  }));

  open.add(
    {
      method: 'get',
      path: '/health/ready',
      operationId: 'getReadiness',
      summary: 'MongoDB, Redis and SQS answer (503 with the failing check otherwise)',
      tag: 'health',
      response: Ready,
      alsoAnswers: { 503: 'not ready: at least one check failed' },
    },
    async () => {
      const results = await Promise.all(
        checks.map(async (h) => {
          try {
            await withTimeout(h.check(), CHECK_TIMEOUT_MS);
            return [h.name, 'ok'] as const;
          } catch (err) {
            return [h.name, `unavailable: ${(err as Error).message}`] as const;
          }
        }),
      );
      const ready = results.every(([, s]) => s === 'ok');
      return { status: ready ? 200 : 503, body: { status: ready ? 'ready' : 'not_ready', checks: Object.fromEntries(results) } };
    },
  );
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref())]);
}
