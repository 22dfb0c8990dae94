/**
 * `npm run demo`: the whole daemon against the scripted model, for trying the API without an
 * Anthropic key. The agent is the real Claude Code CLI running real tools in real workspaces;
 * only the model's replies are scripted (see README, "Demo").
 */
import { startScriptedModel } from './scripted-model/index.js';

const model = await startScriptedModel({ port: Number(process.env.DEMO_MODEL_PORT ?? 0) });
process.env.CLAUDE_BASE_URL = model.url;
// Loopback only: this key never leaves the machine, and a real key is never sent to the stand-in.
process.env.CLAUDE_API_KEY = 'demo-key-for-the-scripted-model';
delete process.env.ANTHROPIC_API_KEY;
process.env.SERVER_HOST ??= '127.0.0.1';

const port = process.env.SERVER_PORT ?? '8000';
process.stderr.write(
  [
    '',
    `Demo: scripted model at ${model.url}; the daemon is starting on http://127.0.0.1:${port}`,
    'Try:',
    `  curl -s -X POST http://127.0.0.1:${port}/api/v1/tasks -H 'Content-Type: application/json' \\`,
    `    -d '{"task_id": "demo-1", "prompt": "create notes.md", "workspace": "demo"}'`,
    `  curl -s http://127.0.0.1:${port}/api/v1/tasks/demo-1`,
    '  ls workspaces/demo',
    'Prompts may pick a scripted behaviour with [[script:NAME]]: write-file, read-file, edit-file, bash ([[cmd:ls -la]]),',
    'multi-tool, slow, api-error, remember, recall. See README, "Demo".',
    '',
  ].join('\n') + '\n',
);

await import('../main.js');
