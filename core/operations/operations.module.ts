import type { DomainModule } from '../platform/module.js';
import type { Platform } from '../platform/platform.js';
import { registerDeadLetterRoutes } from './dead-letter.controller.js';
import { DeadLetterService } from './dead-letter.service.js';

/** What operators reach for: dead letters (depths, messages, redrive) for the `oms` command and the internal API. */
export interface OperationsModule extends DomainModule {
  deadLetters: DeadLetterService;
}

export function buildOperationsModule(platform: Platform): OperationsModule {
  const deadLetters = new DeadLetterService(platform.queues);
  return {
    name: 'operations',
    deadLetters,
    routes: (groups) => registerDeadLetterRoutes(groups.internal, deadLetters),
  };
}
