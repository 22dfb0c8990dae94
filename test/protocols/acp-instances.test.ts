import * as acp from '@agentclientprotocol/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startInstancePair, type InstancePair } from '../helpers/instance-pair.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { initialize, launchAcpEditor, origin, type AcpEditor } from './acp-editor.js';

const API_KEY = 'acp-instances-key-0123456789';

/** `ccs acp` keeps nothing a server instance must share: any instance serves any session. */
describe('ccs acp against two instances on one Redis, and under the rate limit', () => {
  let pair: InstancePair;
  let a: TestServer;
  let b: TestServer;
  const editors: AcpEditor[] = [];
  const launch = async (baseUrl: string) => {
    const editor = await launchAcpEditor({ CCS_URL: baseUrl, CCS_API_KEY: API_KEY });
    editors.push(editor);
    await initialize(editor);
    return editor;
  };

  beforeAll(async () => {
    pair = await startInstancePair('acp', { API_AUTH_ENABLED: 'true', API_API_KEY: API_KEY });
    ({ a, b } = pair);
  });
  afterEach(async () => {
    await Promise.all(editors.splice(0).map((e) => e.close()));
  });
  afterAll(async () => {
    await pair?.close();
  });

  it('a session started through one instance is loaded and continued through the other', async () => {
    const onA = await launch(a.baseUrl);
    const { sessionId } = await onA.agent.request(acp.methods.agent.session.new, { cwd: '/work/acp-shared', mcpServers: [] });
    const first = await onA.agent.request(acp.methods.agent.session.prompt, {
      sessionId,
      prompt: [{ type: 'text', text: '[[script:bash]] [[cmd:echo hi]] remember kiwi' }],
    });
    expect(first.stopReason).toBe('end_turn');
    expect(onA.permissionRequests).toHaveLength(1);

    const onB = await launch(b.baseUrl);
    await onB.agent.request(acp.methods.agent.session.load, { sessionId, cwd: '/work/acp-shared', mcpServers: [] });
    // The replay is what the first editor saw live, after the prompt it sent.
    const seen = (editor: AcpEditor) => editor.updates.map((n) => [n.update.sessionUpdate, origin(n).seq]);
    expect(onA.updates.length).toBeGreaterThan(2);
    expect(seen(onB)).toEqual([['user_message_chunk', 0], ...seen(onA)]);
    const second = await onB.agent.request(acp.methods.agent.session.prompt, { sessionId, prompt: [{ type: 'text', text: '[[script:recall]]' }] });
    expect(second.stopReason).toBe('end_turn');
    const secondTask = (second._meta as { ccs: { task_id: string } }).ccs.task_id;
    const reply = onB.updates
      .filter((n) => origin(n).task_id === secondTask)
      .map((n) => (n.update.sessionUpdate === 'agent_message_chunk' && n.update.content.type === 'text' ? n.update.content.text : ''));
    expect(reply.join('')).toContain('kiwi');
  });
});

describe('ccs acp under the rate limit', () => {
  let server: TestServer;
  let editor: AcpEditor | undefined;
  beforeAll(async () => {
    server = await startTestServer({ API_RATE_LIMIT_ENABLED: 'true', API_RATE_LIMIT_PER_MINUTE: '2', WARM_POOL_SIZE: '0' });
  });
  afterAll(async () => {
    await editor?.close();
    await server?.close();
  });

  it('requests past the limit reach the editor as RATE_LIMITED', async () => {
    editor = await launchAcpEditor({ CCS_URL: server.baseUrl });
    await initialize(editor);
    const open = () => editor!.agent.request(acp.methods.agent.session.new, { cwd: '/work/limited', mcpServers: [] });
    await open();
    await open();
    await expect(open()).rejects.toMatchObject({ data: expect.objectContaining({ code: 'RATE_LIMITED' }) });
  });
});
