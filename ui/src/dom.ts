// A small element builder: text always goes in as text nodes, never as HTML, so nothing a task
// prints (prompts, tool output, file contents) can inject markup into the page.

type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | undefined | null | ((event: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

export function statusBadge(status: string): HTMLElement {
  return h('span', { class: `badge status-${status}`, 'data-status': status }, status.replace('_', ' '));
}

export function callout(kind: 'error' | 'info', title: string, text?: string): HTMLElement {
  return h('div', { class: `callout callout-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, h('strong', {}, title), text ? h('div', {}, text) : null);
}

/** A link inside the dashboard's hash router. */
export function link(href: string, ...children: Child[]): HTMLAnchorElement {
  return h('a', { href: `#${href}` }, ...children);
}
