/**
 * Runs the scripted model standalone:
 *   node dist/src/dev/scripted-model-main.js [--port N] [--host H]
 * Prints one JSON line `{"url": "http://127.0.0.1:PORT"}` on stdout once it is listening, so a
 * parent process can read the URL; runs until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startScriptedModel } from './scripted-model/index.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string' }, host: { type: 'string' } },
    strict: true,
  });
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be an integer between 0 and 65535, got ${values.port}`);
  }
  const model = await startScriptedModel({ port, ...(values.host === undefined ? {} : { host: values.host }) });
  process.stdout.write(`${JSON.stringify({ url: model.url })}\n`);
  const stop = (): void => {
    void model.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`scripted-model: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
