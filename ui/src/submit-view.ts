import { api, ApiError } from './api.js';
import { callout, h, replaceChildren } from './dom.js';
import { PERMISSION_MODES, type SubmitTaskRequest } from './types.js';
import { navigate, type Cleanup, type ViewContext } from './view.js';

type SessionChoice = 'new' | 'continue' | 'latest';

/** Builds the request body from the form; empty fields are left out so the server's defaults apply. */
function bodyFrom(form: HTMLFormElement): SubmitTaskRequest {
  const data = new FormData(form);
  const text = (name: string) => String(data.get(name) ?? '').trim();
  const body: SubmitTaskRequest = { prompt: text('prompt') };
  if (text('task_id')) body.task_id = text('task_id');
  if (text('workspace')) body.workspace = text('workspace');
  const options: NonNullable<SubmitTaskRequest['options']> = {};
  const tools = text('allowed_tools');
  if (tools)
    options.allowed_tools = tools
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
  const mode = PERMISSION_MODES.find((m) => m === text('permission_mode'));
  if (mode) options.permission_mode = mode;
  if (text('max_turns')) options.max_turns = Number(text('max_turns'));
  if (text('timeout')) options.timeout = Number(text('timeout'));
  if (text('model')) options.model = text('model');
  if (text('priority')) options.priority = Number(text('priority'));
  if (Object.keys(options).length > 0) body.options = options;
  const choice = text('session_mode') as SessionChoice;
  if (choice === 'continue') body.session = { reuse_existing: true, session_id: text('continue_session') };
  else if (choice === 'latest') body.session = { reuse_existing: true };
  else if (text('new_session')) body.session = { session_id: text('new_session') };
  return body;
}

export function renderSubmit(ctx: ViewContext): Cleanup {
  const preselected = ctx.query.get('session') ?? '';
  const sessionSelect = h('select', { name: 'continue_session', 'aria-label': 'Session to continue' });
  const message = h('div', {});
  const radio = (value: SessionChoice, label: string, hint: string) =>
    h(
      'label',
      { class: 'radio' },
      h('input', { type: 'radio', name: 'session_mode', value, checked: value === (preselected ? 'continue' : 'new') }),
      h('span', {}, h('strong', {}, label), h('span', { class: 'muted' }, ` — ${hint}`)),
    );
  const submitButton = h('button', { type: 'submit', class: 'primary' }, 'Submit task');
  const form = h(
    'form',
    { class: 'card submit-form' },
    h('label', {}, 'Prompt', h('textarea', { name: 'prompt', rows: 6, required: true, placeholder: 'What should the agent do?' })),
    h(
      'div',
      { class: 'row' },
      h('label', {}, 'Workspace', h('input', { name: 'workspace', placeholder: 'relative to WORKSPACE_ROOT (optional)' })),
      h('label', {}, 'Task id', h('input', { name: 'task_id', placeholder: 'generated when empty' })),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Session'),
      radio('new', 'New session', 'optionally named'),
      h('input', { name: 'new_session', placeholder: 'session name (optional)', 'aria-label': 'New session name' }),
      radio('continue', 'Continue a session', 'same workspace; the agent remembers the conversation'),
      sessionSelect,
      radio('latest', 'Reuse the latest idle session of this workspace', 'or start one'),
    ),
    h(
      'details',
      { class: 'options' },
      h('summary', {}, 'Options'),
      h(
        'div',
        { class: 'row' },
        h('label', {}, 'Allowed tools', h('input', { name: 'allowed_tools', placeholder: 'Read, Write, Edit, Bash (server default when empty)' })),
        h(
          'label',
          {},
          'Permission mode',
          h('select', { name: 'permission_mode' }, h('option', { value: '' }, 'server default'), ...PERMISSION_MODES.map((m) => h('option', { value: m }, m))),
        ),
      ),
      h(
        'div',
        { class: 'row' },
        h('label', {}, 'Max turns', h('input', { name: 'max_turns', type: 'number', min: 1, max: 1000 })),
        h('label', {}, 'Timeout (s)', h('input', { name: 'timeout', type: 'number', min: 1, max: 86400 })),
        h('label', {}, 'Model', h('input', { name: 'model', placeholder: 'server default' })),
        h('label', {}, 'Priority', h('input', { name: 'priority', type: 'number', min: 0, max: 9, step: 1, placeholder: '5 (0..9, higher first)' })),
      ),
    ),
    message,
    h('div', { class: 'form-actions' }, submitButton),
  );

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submitButton.disabled = true;
    api
      .submitTask(bodyFrom(form))
      .then((created) => navigate(`/tasks/${encodeURIComponent(created.task_id)}`))
      .catch((error: unknown) => {
        const details = error instanceof ApiError ? error.details.map((d) => `${d.path}: ${d.message}`).join('; ') : '';
        const title = error instanceof ApiError ? error.code : 'Submit failed';
        replaceChildren(message, callout('error', title, details || (error instanceof Error ? error.message : String(error))));
      })
      .finally(() => (submitButton.disabled = false));
  });

  replaceChildren(ctx.main, h('div', { class: 'page-head' }, h('h1', {}, 'New task')), form);
  void api
    .listSessions('all')
    .then(({ sessions }) => {
      if (preselected && !sessions.some((s) => s.session_id === preselected)) sessions.unshift({ session_id: preselected } as (typeof sessions)[number]);
      replaceChildren(
        sessionSelect,
        ...sessions.map((s) =>
          h(
            'option',
            { value: s.session_id, selected: s.session_id === preselected },
            s.workspace ? `${s.session_id} (${s.status}, ${s.task_count} tasks)` : s.session_id,
          ),
        ),
      );
    })
    .catch(() => undefined);
  return () => undefined;
}
