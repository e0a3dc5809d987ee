import type { BulkJobRunner } from '../../bulk/bulk-job.runner.js';
import { bulkActionHandler } from '../handlers/bulk-action.handler.js';
import type { ListenerRegistration } from '../runtime/server.js';

/** The bulk_action listener (config workers.bulk_action). */
export function bulkActionListener(runner: BulkJobRunner): ListenerRegistration {
  return { queue: 'bulkAction', handler: bulkActionHandler(runner) };
}
