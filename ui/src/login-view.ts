import { ApiError } from './api.js';
import { callout, h, replaceChildren } from './dom.js';

/** The API key form. The key is kept in sessionStorage only (gone when the tab closes). */
export function renderLogin(signIn: (key: string) => Promise<void>): HTMLElement {
  const input = h('input', { type: 'password', name: 'api_key', placeholder: 'API key', autocomplete: 'current-password', required: true });
  const message = h('div', {});
  const button = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h(
    'form',
    { class: 'login card' },
    h('h1', {}, h('span', { class: 'logo' }, '◆'), ' Claude Code Server'),
    h('p', { class: 'muted' }, 'Sign in with your API key. It stays in this browser tab only.'),
    h('label', {}, 'API key', input),
    message,
    button,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (key === '') return;
    button.disabled = true;
    signIn(key)
      .catch((error: unknown) => {
        const text = error instanceof ApiError && error.status === 401 ? 'That key was not accepted.' : String(error);
        replaceChildren(message, callout('error', 'Sign-in failed', text));
      })
      .finally(() => (button.disabled = false));
  });
  queueMicrotask(() => input.focus());
  return h('div', { class: 'login-page' }, form);
}
