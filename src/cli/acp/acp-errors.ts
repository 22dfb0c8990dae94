import { RequestError } from '@agentclientprotocol/sdk';
import { CcsApiError, CcsConnectionError } from '../../../packages/client/src/index.js';

/**
 * Failures as the JSON-RPC errors an editor shows. `data.code` is the server's stable error code
 * (docs/api.md), or SERVER_UNREACHABLE when no answer came, so a client can act on it without
 * parsing the message.
 */

const AUTH_REQUIRED = -32000;
const RESOURCE_NOT_FOUND = -32002;
const INVALID_PARAMS = -32602;
const INTERNAL_ERROR = -32603;

function jsonRpcCodeFor(error: CcsApiError): number {
  if (error.status === 401) return AUTH_REQUIRED;
  if (error.status === 404) return RESOURCE_NOT_FOUND;
  if (error.status === 400) return INVALID_PARAMS;
  return INTERNAL_ERROR;
}

export function toRequestError(error: unknown): RequestError {
  if (error instanceof RequestError) return error;
  if (error instanceof CcsApiError) {
    return new RequestError(jsonRpcCodeFor(error), `${error.code}: ${error.message}`, {
      code: error.code,
      status: error.status,
      request_id: error.requestId,
      ...(error.details === undefined ? {} : { details: error.details }),
    });
  }
  if (error instanceof CcsConnectionError) {
    return new RequestError(INTERNAL_ERROR, `Claude Code Server is unreachable: ${error.message}`, { code: 'SERVER_UNREACHABLE', url: error.url });
  }
  return new RequestError(INTERNAL_ERROR, error instanceof Error ? error.message : String(error), { code: 'INTERNAL_ERROR' });
}

/** A task that ended failed or timed out: the prompt is answered with its error, not a stop reason. */
export function taskFailure(taskId: string, status: string, error: { code: string; message: string } | null | undefined): RequestError {
  const code = error?.code ?? 'AGENT_EXECUTION_ERROR';
  return new RequestError(INTERNAL_ERROR, `Task ${taskId} ${status}: ${code}: ${error?.message ?? 'no detail'}`, { code, task_id: taskId, status });
}

export function unknownSession(sessionId: string): RequestError {
  return new RequestError(RESOURCE_NOT_FOUND, `Session ${sessionId} is not open here: call session/new or session/load first`, {
    code: 'SESSION_NOT_FOUND',
  });
}

/** Runs an ACP handler, turning whatever it throws into an editor-readable JSON-RPC error. */
export async function asRequestErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toRequestError(error);
  }
}
