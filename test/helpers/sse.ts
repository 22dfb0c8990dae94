import type { TaskEvent } from '../../src/events/event-types.js';

/** Reads a Server-Sent Events response to its end and returns the events and their ids. */
export async function readSse(url: string, headers: Record<string, string> = {}): Promise<{ status: number; events: TaskEvent[]; ids: string[] }> {
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers } });
  const text = await response.text();
  const events: TaskEvent[] = [];
  const ids: string[] = [];
  for (const frame of text.split('\n\n')) {
    const lines = frame.split('\n');
    const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
    const id = lines.find((l) => l.startsWith('id: '));
    if (data.length === 0) continue;
    events.push(JSON.parse(data.join('\n')) as TaskEvent);
    if (id) ids.push(id.slice(4));
  }
  return { status: response.status, events, ids };
}
