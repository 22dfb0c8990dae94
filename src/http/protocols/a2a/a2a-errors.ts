import { DomainError, ERROR_CATALOGUE, type ErrorCode } from '../../../errors.js';

/** The A2A error kinds this adapter answers with, as the specification names them. */
const A2A_KINDS = {
  TaskNotFound: { rpc: -32001, http: 404, status: 'NOT_FOUND', reason: 'TASK_NOT_FOUND' },
  TaskNotCancelable: { rpc: -32002, http: 400, status: 'FAILED_PRECONDITION', reason: 'TASK_NOT_CANCELABLE' },
  PushNotificationNotSupported: { rpc: -32003, http: 400, status: 'FAILED_PRECONDITION', reason: 'PUSH_NOTIFICATION_NOT_SUPPORTED' },
  UnsupportedOperation: { rpc: -32004, http: 400, status: 'FAILED_PRECONDITION', reason: 'UNSUPPORTED_OPERATION' },
  ContentTypeNotSupported: { rpc: -32005, http: 400, status: 'INVALID_ARGUMENT', reason: 'CONTENT_TYPE_NOT_SUPPORTED' },
  InvalidParams: { rpc: -32602, http: 400, status: 'INVALID_ARGUMENT', reason: 'INVALID_PARAMS' },
  MethodNotFound: { rpc: -32601, http: 404, status: 'NOT_FOUND', reason: 'METHOD_NOT_FOUND' },
  InvalidRequest: { rpc: -32600, http: 400, status: 'INVALID_ARGUMENT', reason: 'INVALID_REQUEST' },
  ParseError: { rpc: -32700, http: 400, status: 'INVALID_ARGUMENT', reason: 'PARSE_ERROR' },
  Internal: { rpc: -32603, http: 500, status: 'INTERNAL', reason: 'INTERNAL_ERROR' },
} as const;

export type A2aErrorKind = keyof typeof A2A_KINDS;

const ERROR_INFO_TYPE = 'type.googleapis.com/google.rpc.ErrorInfo';
const A2A_DOMAIN = 'a2a-protocol.org';

/** What the A2A layer throws: an A2A error kind, and our own stable code for the same refusal. */
export class A2aError extends Error {
  constructor(
    readonly kind: A2aErrorKind,
    message: string,
    readonly code: ErrorCode = 'VALIDATION_ERROR',
    /** Our HTTP status for errors A2A has no kind for (429, 503...), kept on the REST binding. */
    readonly httpStatus?: number,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'A2aError';
  }
}

/** Our codes that A2A has a kind of its own for; every other code keeps its own HTTP status. */
const KIND_OF_CODE: Partial<Record<ErrorCode, A2aErrorKind>> = {
  TASK_NOT_FOUND: 'TaskNotFound',
  TASK_NOT_RUNNING: 'TaskNotCancelable',
  INTERNAL_ERROR: 'Internal',
};

export function toA2aError(error: unknown): A2aError {
  if (error instanceof A2aError) return error;
  if (error instanceof DomainError) {
    const status = ERROR_CATALOGUE[error.code].status;
    const kind = KIND_OF_CODE[error.code] ?? (status < 500 && status !== 429 && status !== 402 ? 'InvalidParams' : 'Internal');
    return new A2aError(kind, error.message, error.code, status, error.retryAfterSeconds);
  }
  return new A2aError('Internal', 'Internal server error', 'INTERNAL_ERROR');
}

/** google.rpc.ErrorInfo as A2A clients read it; `metadata.code` is our own stable error code. */
function errorInfo(error: A2aError) {
  return { '@type': ERROR_INFO_TYPE, reason: A2A_KINDS[error.kind].reason, domain: A2A_DOMAIN, metadata: { code: error.code } };
}

/** The JSON-RPC `error` member. */
export function jsonRpcError(error: A2aError) {
  return { code: A2A_KINDS[error.kind].rpc, message: error.message, data: [errorInfo(error)] };
}

/** The HTTP+JSON binding's error: its status and body (google.rpc.Status shape). */
export function restError(error: A2aError): { status: number; body: unknown } {
  const kind = A2A_KINDS[error.kind];
  // A refusal A2A has no kind for (rate limit, budget, shutting down) keeps our status, so a client can back off.
  const status = error.kind === 'Internal' && error.httpStatus !== undefined ? error.httpStatus : kind.http;
  return { status, body: { error: { code: status, status: kind.status, message: error.message, details: [errorInfo(error)] } } };
}

/** The JSON-RPC `error` member for A2A 0.3 clients: the same codes, our code as `data.code`. */
export function jsonRpcErrorV03(error: A2aError) {
  return { code: A2A_KINDS[error.kind].rpc, message: error.message, data: { code: error.code } };
}
