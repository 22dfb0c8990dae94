/**
 * `[[key:value]]` directives embedded in a prompt. They let a client that can only send prompt
 * text (e.g. through the daemon's REST API) steer the scripted model.
 */

interface Span {
  readonly start: number;
  /** Index just past the closing `]]`. */
  readonly end: number;
  readonly value: string;
}

/**
 * Index just past the JSON value starting at `from` (which must be `{` or `[`), or -1.
 * Brackets inside strings are skipped, so `]]` in a script's text cannot end the directive.
 */
function endOfJson(text: string, from: number): number {
  let depth = 0;
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

function findSpan(text: string, key: string, fromIndex = 0): Span | undefined {
  const open = `[[${key}:`;
  const start = text.indexOf(open, fromIndex);
  if (start < 0) return undefined;
  const from = start + open.length;
  const first = text[from];
  if (first === '{' || first === '[') {
    const jsonEnd = endOfJson(text, from);
    if (jsonEnd >= 0 && text.startsWith(']]', jsonEnd)) {
      return { start, end: jsonEnd + 2, value: text.slice(from, jsonEnd) };
    }
  }
  const close = text.indexOf(']]', from);
  if (close < 0) return undefined;
  return { start, end: close + 2, value: text.slice(from, close) };
}

/** Value of the first `[[key:value]]` in `text`, e.g. `directive(p, 'cmd')` for `[[cmd:ls]]`. */
export function directive(text: string, key: string): string | undefined {
  return findSpan(text, key)?.value;
}

/** The prompt without any directives, i.e. what the user said in prose. */
export function withoutDirectives(text: string): string {
  let rest = text;
  for (;;) {
    const match = /\[\[([a-z_-]+):/i.exec(rest);
    const span = match?.[1] === undefined ? undefined : findSpan(rest, match[1], match.index);
    if (span === undefined) break;
    rest = `${rest.slice(0, span.start)} ${rest.slice(span.end)}`;
  }
  return rest.replace(/\s+/g, ' ').trim();
}
