import type { Me } from './types.js';

/** What every view gets: who is signed in, where to draw, and the hash's query. */
export interface ViewContext {
  me: Me;
  main: HTMLElement;
  query: URLSearchParams;
}

/** A view returns this, called when the page changes: it stops its timers and sockets. */
export type Cleanup = () => void;

export function navigate(path: string): void {
  location.hash = `#${path}`;
}

/** Calls `tick` now and then every `ms` while the tab is visible; returns the stop function. */
export function every(ms: number, tick: () => void | Promise<void>): Cleanup {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = async (): Promise<void> => {
    if (stopped) return;
    if (document.visibilityState !== 'hidden') {
      try {
        await tick();
      } catch {
        // The next tick tries again; the view shows its own errors.
      }
    }
    if (!stopped) timer = setTimeout(() => void run(), ms);
  };
  void run();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
