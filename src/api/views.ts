import type { FastifyRequest } from 'fastify';
import type { Session } from '../sessions/session-types.js';
import type { Task } from '../tasks/task-types.js';

/** The WebSocket address a client should use, as seen from the client (Host and proxy headers). */
export function websocketUrl(request: FastifyRequest, taskId: string): string {
  const forwardedProto = String(request.headers['x-forwarded-proto'] ?? '').split(',')[0]?.trim();
  const secure = forwardedProto === 'https' || request.protocol === 'https';
  const host = request.headers['x-forwarded-host'] ?? request.headers.host ?? 'localhost:8000';
  return `${secure ? 'wss' : 'ws'}://${String(host).split(',')[0]!.trim()}/ws/tasks/${encodeURIComponent(taskId)}`;
}

export function submitView(request: FastifyRequest, task: Task) {
  return {
    task_id: task.task_id,
    session_id: task.session_id,
    status: task.status,
    websocket_url: websocketUrl(request, task.task_id),
    created_at: task.created_at,
  };
}

export function taskView(request: FastifyRequest, task: Task) {
  const { request_hash: _hash, ...rest } = task;
  return { ...rest, websocket_url: websocketUrl(request, task.task_id) };
}

export function sessionView(session: Session) {
  const { sdk_session_id, sdk_cost_total_usd: _total, ...rest } = session;
  return { ...rest, claude_session_id: sdk_session_id };
}
