import { createSpinner } from 'nanospinner';
import pc from 'picocolors';
import type { Colors } from './render.js';

/**
 * Where `ccs` writes. On a terminal: colours and a spinner line below the output; otherwise
 * (a pipe, a file, CI) plain lines only. NO_COLOR turns colours off, FORCE_COLOR on.
 */
export interface Terminal {
  readonly colors: Colors;
  /** True when a spinner may animate (stdout is an interactive terminal). */
  readonly live: boolean;
  /** Prints whole lines above the spinner. */
  print(lines: string[]): void;
  /** Shows the spinner; its text is asked for on every frame (it holds a clock). No-op when not live. */
  status(text: () => string): void;
  /** Removes the spinner line. */
  clearStatus(): void;
}

const SPIN_INTERVAL_MS = 80;

export function detectTerminal(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): { colors: boolean; live: boolean } {
  const tty = stream.isTTY === true && env.TERM !== 'dumb';
  const colors = env.NO_COLOR ? false : env.FORCE_COLOR ? env.FORCE_COLOR !== '0' : tty;
  // nanospinner only animates outside CI, on a TTY; elsewhere it would print a line per frame.
  return { colors, live: tty && !('CI' in env) };
}

export function createTerminal(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): Terminal {
  const { colors, live } = detectTerminal(stream, env);
  const c = pc.createColors(colors);
  // Driven by hand (spin/clear) rather than start(): start() installs a SIGINT handler that
  // exits the process, which would take away the Ctrl-C prompt.
  const spinner = live ? createSpinner('', { stream, color: 'cyan' }) : undefined;
  let timer: NodeJS.Timeout | undefined;
  let text: () => string = () => '';
  let shown = false;

  const clearStatus = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
    if (spinner && shown) {
      spinner.clear();
      stream.write('\x1b[?25h');
    }
    shown = false;
  };

  return {
    colors: c,
    live,
    print(lines) {
      if (lines.length === 0) return;
      const wasShown = shown;
      if (spinner && shown) spinner.clear();
      stream.write(`${lines.join('\n')}\n`);
      if (spinner && wasShown) spinner.update({ text: text() }).spin();
    },
    status(next) {
      if (!spinner) return;
      text = next;
      if (!timer) timer = setInterval(() => spinner.update({ text: text() }).spin(), SPIN_INTERVAL_MS);
      spinner.update({ text: text() }).spin();
      shown = true;
    },
    clearStatus,
  };
}
