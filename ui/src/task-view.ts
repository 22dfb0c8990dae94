import { api, ApiError, followEvents } from './api.js';
import { callout, h, link, replaceChildren, statusBadge } from './dom.js';
import { EventFeed } from './event-feed.js';
import { formatCost, formatDuration, formatTime, formatTokens, taskDuration } from './format.js';
import { TERMINAL, type Task } from './types.js';
import { every, type Cleanup, type ViewContext } from './view.js';

/** The record is re-read this often while the task is not final (events say most of it sooner). */
const REFRESH_MS = 5000;
/** The elapsed time ticks locally, without asking the server. */
const TICK_MS = 1000;

/** One task: its record (kept fresh), its event stream as it happens, and an Interrupt button. */
export function renderTaskDetail(ctx: ViewContext, taskId: string): Cleanup {
  const feed = new EventFeed(async (requestId, decision) => void (await api.answerPermission(taskId, requestId, decision)));
  const summary = h('div', { class: 'summary' });
  const streamState = h('span', { class: 'live', 'data-testid': 'stream-state' }, 'connecting…');
  const notices = h('div', {});
  const working = h('div', { class: 'working', hidden: true });
  const interruptButton = h('button', { class: 'danger', 'data-testid': 'interrupt', disabled: true }, 'Interrupt');
  let task: Task | null = null;
  let live = { input_tokens: 0, output_tokens: 0, cost_usd: 0, turns: 0 };
  const stops: Cleanup[] = [];

  const drawSummary = () => {
    if (task === null) return;
    const running = !TERMINAL.has(task.status);
    interruptButton.disabled = !running;
    // While running, the record's usage is still zero: show what the progress events say.
    const usage = running ? live : task.usage;
    const cost = running ? live.cost_usd : task.cost_usd;
    const field = (label: string, value: Node | string, wide = false) =>
      h('div', { class: wide ? 'field wide' : 'field' }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value));
    replaceChildren(
      summary,
      field('Status', statusBadge(task.status)),
      field('Session', link(`/sessions/${encodeURIComponent(task.session_id)}`, task.session_id)),
      field('Tenant', ctx.me.tenant),
      field('Created', formatTime(task.created_at)),
      field('Duration', formatDuration(taskDuration(task))),
      field('Turns', String(running ? live.turns : task.num_turns)),
      field('Tokens', formatTokens(usage)),
      field('Cost', formatCost(cost)),
      field('Workspace', h('span', { class: 'mono' }, task.workspace), true),
    );
    if (task.error !== null) replaceChildren(notices, callout('error', task.error.code, task.error.message));
    working.hidden = !running;
    working.textContent = task.status === 'queued' ? 'Queued: waiting for a free slot…' : `The agent is working… ${formatDuration(taskDuration(task))}`;
  };

  const load = async () => {
    try {
      task = await api.getTask(taskId);
      drawSummary();
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        replaceChildren(
          ctx.main,
          callout('error', 'Task not found', `There is no task "${taskId}" for tenant ${ctx.me.tenant}.`),
          link('/tasks', '← All tasks'),
        );
        stopAll();
      }
      throw error;
    }
  };

  interruptButton.addEventListener('click', () => {
    interruptButton.disabled = true;
    interruptButton.textContent = 'Interrupting…';
    api
      .interrupt(taskId)
      .then((updated) => {
        task = updated;
        drawSummary();
      })
      .catch((error: unknown) => replaceChildren(notices, callout('error', 'Interrupt failed', error instanceof Error ? error.message : String(error))))
      .finally(() => (interruptButton.textContent = 'Interrupt'));
  });

  const stopAll = () => stops.splice(0).forEach((stop) => stop());

  replaceChildren(
    ctx.main,
    h('div', { class: 'crumbs' }, link('/tasks', 'Tasks'), ' / ', h('span', { class: 'mono' }, taskId)),
    h('div', { class: 'page-head' }, h('h1', { class: 'mono' }, taskId), h('div', { class: 'actions' }, streamState, interruptButton)),
    summary,
    notices,
    h('h2', {}, 'Prompt'),
    h('div', { class: 'prompt-box', 'data-testid': 'prompt' }, '…'),
    h('h2', {}, 'Events'),
    feed.element,
    working,
  );

  void load()
    .then(() => {
      const promptBox = ctx.main.querySelector('.prompt-box');
      if (promptBox && task) promptBox.textContent = task.prompt;
      const subscription = followEvents(taskId, ctx.me.auth_enabled, {
        onEvent: (event) => {
          feed.add(event);
          if (event.type === 'progress') {
            live = { ...event.data };
            drawSummary();
          }
          if (event.type === 'complete' || (task?.status === 'queued' && event.type !== 'error')) void load().catch(() => undefined);
        },
        onState: (state) => {
          streamState.textContent = state === 'live' ? 'live' : state === 'ended' ? 'stream ended' : 'reconnecting…';
          streamState.classList.toggle('stale', state !== 'live');
        },
      });
      stops.push(() => subscription.close());
      // The record (status, duration) is refreshed while the task is not final.
      stops.push(every(TICK_MS, drawSummary));
      stops.push(
        every(REFRESH_MS, async () => {
          if (task !== null && TERMINAL.has(task.status)) return;
          await load();
        }),
      );
    })
    .catch(() => undefined);
  return stopAll;
}
