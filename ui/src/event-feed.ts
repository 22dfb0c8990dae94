import { h } from './dom.js';
import { formatCost, formatDuration, formatTokens, summariseToolInput, truncate } from './format.js';
import type { TaskEvent } from './types.js';

const RESULT_PREVIEW_CHARS = 20_000;

/**
 * The task's events as a feed: assistant messages, each tool call with its result folded
 * beneath it (collapsible), progress lines, errors and the final result. Events arrive in seq
 * order, live or replayed, and are drawn the same way either way.
 */
export class EventFeed {
  readonly element = h('ol', { class: 'feed', 'data-testid': 'events' });
  private readonly toolCalls = new Map<string, HTMLElement>();
  private readonly approvals = new Map<string, HTMLElement>();

  /** `answer` sends the reader's Allow or Deny for a tool call waiting on approval. */
  constructor(private readonly answer: (requestId: string, decision: 'allow' | 'deny') => Promise<void> = async () => undefined) {}

  add(event: TaskEvent): void {
    const item = this.render(event);
    if (item === null) return;
    item.dataset.seq = String(event.seq);
    item.dataset.type = event.type;
    this.element.append(item);
    // Follow the stream while the reader is at the bottom; leave them be if they scrolled up.
    const nearBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 160;
    if (nearBottom) item.scrollIntoView({ block: 'nearest' });
  }

  /** A tool call that waits for the reader: what it would run, and Allow / Deny until it is settled. */
  private approvalCard(data: Extract<TaskEvent, { type: 'permission_request' }>['data'], time: HTMLElement): HTMLElement {
    const allow = h('button', { 'data-testid': 'approve' }, 'Allow');
    const deny = h('button', { class: 'danger', 'data-testid': 'deny' }, 'Deny');
    const actions = h('div', { class: 'approval-actions' }, allow, deny);
    const card = h(
      'li',
      { class: 'event approval waiting', 'data-testid': 'approval' },
      h('div', { class: 'event-meta' }, `Approval needed: ${data.tool_name}`, time),
      h('div', { class: 'text' }, summariseToolInput(data.tool_name, data.input)),
      h('div', { class: 'muted small' }, `Denied automatically at ${new Date(data.expires_at).toLocaleTimeString('en-GB')} if nobody answers.`),
      actions,
    );
    const send = (decision: 'allow' | 'deny') => {
      allow.disabled = deny.disabled = true;
      this.answer(data.request_id, decision).catch((error: unknown) => {
        allow.disabled = deny.disabled = false;
        actions.append(h('span', { class: 'muted small' }, ` ${error instanceof Error ? error.message : String(error)}`));
      });
    };
    allow.addEventListener('click', () => send('allow'));
    deny.addEventListener('click', () => send('deny'));
    this.approvals.set(data.request_id, card);
    return card;
  }

  private render(event: TaskEvent): HTMLElement | null {
    const time = h('time', { datetime: event.timestamp }, new Date(event.timestamp).toLocaleTimeString('en-GB'));
    switch (event.type) {
      case 'message':
        return h('li', { class: 'event message' }, h('div', { class: 'event-meta' }, 'Assistant', time), h('div', { class: 'text' }, event.data.text));
      case 'tool_use': {
        const body = h('div', { class: 'tool-body' }, h('div', { class: 'label' }, 'Input'), h('pre', {}, JSON.stringify(event.data.input, null, 2)));
        const details = h(
          'details',
          { class: 'tool' },
          h(
            'summary',
            {},
            h('span', { class: 'tool-name' }, event.data.name),
            h('span', { class: 'tool-summary' }, summariseToolInput(event.data.name, event.data.input)),
            h('span', { class: 'tool-state pending' }, 'running…'),
            time,
          ),
          body,
        );
        this.toolCalls.set(event.data.tool_use_id, details);
        return h('li', { class: 'event tool_use' }, details);
      }
      case 'tool_result': {
        const content = truncate(event.data.content, RESULT_PREVIEW_CHARS);
        const result = h(
          'div',
          { class: 'tool-result' },
          h('div', { class: 'label' }, event.data.is_error ? 'Error' : 'Result'),
          h('pre', {}, content || '(empty)'),
        );
        const call = this.toolCalls.get(event.data.tool_use_id);
        if (call !== undefined) {
          call.querySelector('.tool-body')?.append(result);
          const state = call.querySelector('.tool-state');
          if (state) {
            state.textContent = event.data.is_error ? 'error' : 'done';
            state.className = `tool-state ${event.data.is_error ? 'failed' : 'ok'}`;
          }
          return null;
        }
        return h(
          'li',
          { class: 'event tool_result' },
          h('details', { class: 'tool' }, h('summary', {}, h('span', { class: 'tool-name' }, 'Tool result'), time), result),
        );
      }
      case 'progress': {
        const d = event.data;
        const files = d.files_changed.length > 0 ? ` · changed ${d.files_changed.join(', ')}` : '';
        return h(
          'li',
          { class: 'event progress' },
          `Turn ${d.turns} · ${formatTokens(d)} tokens (${d.input_tokens.toLocaleString('en')} in, ${d.output_tokens.toLocaleString('en')} out) · ${formatCost(d.cost_usd)}${files}`,
        );
      }
      case 'error':
        return h(
          'li',
          { class: 'event error' },
          h('div', { class: 'event-meta' }, `Error ${event.data.code}`, time),
          h('div', { class: 'text' }, event.data.message),
        );
      case 'complete': {
        const d = event.data;
        return h(
          'li',
          { class: `event complete status-${d.status}` },
          h('div', { class: 'event-meta' }, `Finished: ${d.status.replace('_', ' ')}`, time),
          d.result ? h('div', { class: 'text' }, d.result) : d.error ? h('div', { class: 'text' }, `${d.error.code}: ${d.error.message}`) : null,
          h(
            'div',
            { class: 'muted small' },
            `${d.num_turns} turns · ${formatTokens(d.usage)} tokens · ${formatCost(d.cost_usd)} · ${formatDuration(d.duration_ms)}`,
          ),
        );
      }
      case 'permission_request':
        return this.approvalCard(event.data, time);
      case 'permission_decision': {
        const card = this.approvals.get(event.data.request_id);
        const d = event.data;
        const verdict = `${d.decision === 'allow' ? 'Allowed' : 'Denied'}${d.decided_by === 'client' ? '' : d.decided_by === 'timeout' ? ' (nobody answered in time)' : ' (the task ended)'}`;
        if (card === undefined) return h('li', { class: 'event approval' }, h('div', { class: 'event-meta' }, verdict, time));
        card
          .querySelector('.approval-actions')
          ?.replaceChildren(h('span', { class: `tool-state ${d.decision === 'allow' ? 'ok' : 'failed'}`, 'data-testid': 'approval-verdict' }, verdict));
        card.classList.remove('waiting');
        return null;
      }
      default:
        return null;
    }
  }
}
