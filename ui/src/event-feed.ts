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
      default:
        return null;
    }
  }
}
