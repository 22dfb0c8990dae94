import type http from 'node:http';
import type https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../observability/logger.js';
import { sendProxyError, type ModelFailure } from './model-failure.js';
import type { ModelProxyMetrics } from './proxy-metrics.js';
import { BUDGET_SPENT, type MeteredCall } from './task-meter.js';
import { usageTap, type UsageTap } from './usage-tap.js';
import { backoffMs, failureCodeFor, isTransientNetworkError, isTransientStatus, mayRetry, retryAfterMs, type RetrySettings } from './retry-policy.js';
import { downstreamHeaders, sendUpstream, UpstreamStallError, type UpstreamRequest } from './upstream.js';

export interface ForwardContext {
  retry: RetrySettings;
  stallMs: number;
  agents: { http: http.Agent; https: https.Agent };
  logger: Logger;
  metrics: ModelProxyMetrics;
  reportFailure: (failure: ModelFailure) => void;
  random?: () => number;
  /** The task's meter for this call (null: not metered); its abort cuts the call. */
  call?: MeteredCall | null;
  /** Told how the relayed answer ended (its status, and what the tap read of it), for traces. */
  onAnswered?: (status: number, tap: UsageTap | null) => void;
}

/**
 * Sends one model request upstream and streams the answer back to the CLI. Transient failures
 * (see retry-policy.ts) that happen before any byte of the response are retried here, so the
 * CLI (run with CLAUDE_CODE_MAX_RETRIES=0) sees either the answer or one final error. Once the
 * response has started it is passed through chunk by chunk; it cannot be retried any more.
 */
export async function forwardModelRequest(
  request: Omit<UpstreamRequest, 'signal' | 'stallMs'>,
  res: ServerResponse,
  ctx: ForwardContext,
  taskId: string,
): Promise<void> {
  // The CLI hanging up (interrupt, abort) cancels attempts and back-off waits.
  const cancelled = new AbortController();
  res.once('close', () => cancelled.abort());
  // The task's budget is spent (or the task ended) while this call waits: it gets 402.
  ctx.call?.signal.addEventListener('abort', () => {
    if (!res.headersSent && ctx.call?.signal.reason === BUDGET_SPENT) sendBudgetRefusal(res, ctx);
    else if (!res.headersSent) sendProxyError(res, 401, 'authentication_error', 'The task this token served has ended');
    cancelled.abort();
  });
  const startedAt = Date.now();
  const log = { task_id: taskId, path: request.url.pathname };
  for (let attempt = 1; ; attempt++) {
    let response: IncomingMessage;
    try {
      response = await sendUpstream({ ...request, stallMs: ctx.stallMs, signal: cancelled.signal }, ctx.agents);
    } catch (error) {
      if (cancelled.signal.aborted) return;
      if (error instanceof UpstreamStallError)
        return giveUp(res, ctx, log, 504, 'MODEL_STALLED', `The model API sent nothing for ${seconds(ctx.stallMs)} s; the request was cut`, null);
      const reason = (error as { code?: string }).code ?? (error as Error).message;
      const wait = backoffMs(attempt, ctx.retry, null, ctx.random);
      if (isTransientNetworkError(error) && mayRetry(attempt, startedAt, Date.now(), wait, ctx.retry)) {
        ctx.metrics.retries.inc({ reason: 'network' });
        ctx.logger.info('Model API connection failed; retrying', { ...log, attempt, reason, delay_ms: wait });
        if (!(await sleep(wait, cancelled.signal))) return;
        continue;
      }
      return giveUp(res, ctx, log, 502, 'MODEL_UNAVAILABLE', `The model API could not be reached after ${attempt} attempt(s): ${reason}`, null);
    }

    const status = response.statusCode ?? 502;
    const shouldRetry = header(response.headers['x-should-retry']);
    if (isTransientStatus(status, shouldRetry)) {
      const wait = backoffMs(attempt, ctx.retry, retryAfterMs(response.headers, Date.now()), ctx.random);
      if (mayRetry(attempt, startedAt, Date.now(), wait, ctx.retry)) {
        response.resume();
        ctx.metrics.retries.inc({ reason: String(status) });
        ctx.logger.info('Model API answered a transient error; retrying', { ...log, attempt, upstream_status: status, delay_ms: wait });
        if (!(await sleep(wait, cancelled.signal))) return;
        continue;
      }
      const code = failureCodeFor(status);
      const what = code === 'MODEL_RATE_LIMITED' ? 'rate-limited the request' : 'was unavailable';
      ctx.reportFailure({
        code,
        message: `The model API ${what} (HTTP ${status}) after ${attempt} attempt(s) in ${seconds(Date.now() - startedAt)} s`,
        upstream_status: status,
      });
      ctx.logger.warn('Model request failed for good', { ...log, attempts: attempt, upstream_status: status, code });
    }
    ctx.metrics.requests.inc({ status: String(status) });
    return relay(response, res, ctx, status, isTransientStatus(status, shouldRetry));
  }
}

/** The answer to a call of a task whose max_budget_usd is spent (Anthropic's shape for 402). */
export function sendBudgetRefusal(res: ServerResponse, ctx: Pick<ForwardContext, 'metrics'>): void {
  ctx.metrics.requests.inc({ status: '402' });
  sendProxyError(res, 402, 'billing_error', "The task's max_budget_usd is spent; no further model calls are relayed for it");
}

/**
 * Streams the response to the CLI as it arrives, and cuts it if it falls silent. A successful
 * answer is also metered on the way (usage-tap.ts) and cut when the task's meter says so.
 */
function relay(response: IncomingMessage, res: ServerResponse, ctx: ForwardContext, status: number, finalFailure: boolean): Promise<void> {
  const tap: UsageTap | null = ctx.call && status >= 200 && status < 300 ? usageTap(response.headers, (usd) => ctx.call?.charge(usd)) : null;
  const headers = downstreamHeaders(response.headers);
  if (finalFailure) headers['x-should-retry'] = 'false';
  res.writeHead(status, headers);
  res.flushHeaders();
  return new Promise((resolve) => {
    // Set when the answer is cut on this side (the CLI hung up, or the stall cut it): its being
    // incomplete is then no new failure of the model.
    let endedHere = false;
    /** The caller hung up while a metered answer was still coming (see res 'close' below). */
    let callerGone = false;
    let stall = setTimeout(onStall, ctx.stallMs);
    const onMeterAbort = (): void => {
      endedHere = true;
      response.destroy();
      res.destroy();
    };
    if (ctx.call?.signal.aborted) onMeterAbort();
    ctx.call?.signal.addEventListener('abort', onMeterAbort, { once: true });
    function onStall(): void {
      endedHere = true;
      if (callerGone) {
        response.destroy();
        return;
      }
      ctx.reportFailure({
        code: 'MODEL_STALLED',
        message: `The model's response stream (HTTP ${status}) sent nothing for ${seconds(ctx.stallMs)} s; it was cut`,
        upstream_status: status,
      });
      ctx.metrics.requests.inc({ status: 'stalled' });
      response.destroy();
      res.destroy();
    }
    response.on('data', (chunk: Buffer) => {
      clearTimeout(stall);
      stall = setTimeout(onStall, ctx.stallMs);
      tap?.write(chunk);
      if (callerGone) return;
      // Backpressure: a slow reader (the CLI) pauses the model's stream rather than filling memory.
      if (!res.write(chunk)) {
        response.pause();
        res.once('drain', () => response.resume());
      }
    });
    // Either side breaking off is handled by the 'close' handlers below.
    response.on('error', () => undefined);
    res.on('error', () => undefined);
    response.once('end', () => {
      clearTimeout(stall);
      res.end();
    });
    response.once('close', () => {
      clearTimeout(stall);
      tap?.end();
      ctx.onAnswered?.(status, tap);
      ctx.call?.signal.removeEventListener('abort', onMeterAbort);
      if (tap !== null && !tap.metered && response.complete)
        ctx.logger.warn('A model response carried no usage the proxy could read; its cost is not metered', {
          status,
          content_type: response.headers['content-type'],
          content_encoding: response.headers['content-encoding'],
        });
      if (!response.complete && !endedHere) {
        ctx.reportFailure({
          code: 'MODEL_UNAVAILABLE',
          message: `The model API dropped the connection in the middle of its response (HTTP ${status})`,
          upstream_status: status,
        });
        ctx.metrics.requests.inc({ status: 'dropped' });
        res.destroy();
      }
      resolve();
    });
    // The caller went away. A metered answer is still read to its end, into the meter only: its
    // usage comes last (a JSON body's `usage`, a stream's final message_delta), and a caller that
    // hangs up just before it must not get the answer unmetered. The task's end or its spent
    // budget still cuts it (onMeterAbort). An unmetered answer is simply dropped.
    res.once('close', () => {
      if (response.complete) return;
      endedHere = true;
      if (tap !== null && !ctx.call?.signal.aborted) {
        callerGone = true;
        response.resume();
        return;
      }
      clearTimeout(stall);
      response.destroy();
    });
  });
}

function giveUp(
  res: ServerResponse,
  ctx: ForwardContext,
  log: Record<string, unknown>,
  status: number,
  code: ModelFailure['code'],
  message: string,
  upstreamStatus: number | null,
): void {
  ctx.reportFailure({ code, message, upstream_status: upstreamStatus });
  ctx.metrics.requests.inc({ status: code === 'MODEL_STALLED' ? 'stalled' : 'unreachable' });
  ctx.logger.warn('Model request failed for good', { ...log, code, message });
  sendProxyError(res, status, code === 'MODEL_STALLED' ? 'timeout_error' : 'api_error', message);
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(ms < 10_000 ? 1 : 0);
}

function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
