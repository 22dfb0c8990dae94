import { describe, expect, it } from 'vitest';
import { EventMapper } from '../../src/agent/event-mapper.js';
import type { SDKMessage } from '../../src/agent/sdk.js';

const SESSION = '0b6f1c9e-2f7b-4a43-9d55-1f0c3c2e7a10';

const assistant = (uuid: string, parent: string | null = null) =>
  ({
    type: 'assistant',
    uuid,
    session_id: SESSION,
    parent_tool_use_id: parent,
    message: { id: `msg-${uuid}`, content: [{ type: 'text', text: 'hi' }], usage: { input_tokens: 1, output_tokens: 1 } },
  }) as unknown as SDKMessage;

const user = (uuid: string, extra: Record<string, unknown> = {}) =>
  ({ type: 'user', uuid, session_id: SESSION, parent_tool_use_id: null, message: { role: 'user', content: [] }, ...extra }) as unknown as SDKMessage;

const result = {
  type: 'result',
  subtype: 'success',
  is_error: false,
  result: 'done',
  total_cost_usd: 0,
  usage: { input_tokens: 1, output_tokens: 1 },
  num_turns: 1,
  duration_ms: 5,
  session_id: SESSION,
  uuid: 'result-uuid',
} as unknown as SDKMessage;

function tailAfter(messages: SDKMessage[]) {
  const mapper = new EventMapper('/ws');
  const outputs = [...messages, result].flatMap((m) => mapper.map(m));
  const ended = outputs.find((o) => o.kind === 'result');
  return ended?.kind === 'result' ? ended.result.transcriptTail : undefined;
}

/** Where a turn leaves the conversation: the point a fork at its task continues from. */
describe('transcript tail of a turn', () => {
  it("is the turn's last main-thread message, not the result", () => {
    expect(tailAfter([assistant('a1'), user('u1'), assistant('a2')])).toEqual({ sdkSessionId: SESSION, messageUuid: 'a2' });
  });

  it("leaves out a subagent's messages and replayed ones, which the main transcript does not hold there", () => {
    expect(tailAfter([assistant('a1'), assistant('sub-1', 'toolu_1'), user('replayed', { isReplay: true })])).toEqual({
      sdkSessionId: SESSION,
      messageUuid: 'a1',
    });
  });

  it('is null for a turn that wrote nothing', () => {
    expect(tailAfter([])).toBeNull();
  });
});
