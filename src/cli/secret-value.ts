/** One trailing line break, as `echo` and most editors leave it. */
const TRAILING_NEWLINE = /\r?\n$/;

/** Everything on a piped stdin, less one trailing line break. */
async function readPiped(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(TRAILING_NEWLINE, '');
}

/** One line typed at the terminal, not echoed (raw mode), so it is not on the screen either. */
function readHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed: string[] = [];
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          finish();
          resolve(typed.join(''));
          return;
        }
        if (ch === '\u0003') {
          finish();
          reject(new Error('cancelled'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed.push(ch);
      }
    };
    stdin.on('data', onData);
  });
}

/**
 * The value of `ccs secrets set`: piped in (the documented way: it stays out of shell history
 * and the process list), or typed at a prompt that does not echo.
 */
export function readSecretValue(name: string): Promise<string> {
  return process.stdin.isTTY ? readHidden(`Value for ${name} (not shown): `) : readPiped();
}
