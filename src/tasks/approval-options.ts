import { isToolCovered, toolBaseName } from '../agent/tool-gate.js';
import { DomainError } from '../errors.js';
import type { TaskOptionsRequest } from './submit-request.js';

/**
 * options.require_approval names tools the task may use at all: approving a call of a tool the
 * gate refuses anyway would be a request nobody can grant, so such a submission is refused.
 */
export function checkRequireApproval(options: TaskOptionsRequest | undefined, defaultAllowedTools: readonly string[]): void {
  const wanted = options?.require_approval ?? [];
  if (wanted.length === 0) return;
  const allowed = new Set((options?.allowed_tools ?? defaultAllowedTools).map(toolBaseName));
  const outside = wanted.filter((tool) => !isToolCovered(allowed, tool));
  if (outside.length > 0) {
    throw new DomainError('VALIDATION_ERROR', `options.require_approval: ${outside.join(', ')} not in the task's allowed_tools`, [
      { path: 'options.require_approval', message: `not in allowed_tools: ${outside.join(', ')}` },
    ]);
  }
}
