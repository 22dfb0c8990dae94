import { agent, methods, PROTOCOL_VERSION, type AgentApp, type AgentContext } from '@agentclientprotocol/sdk';
import { randomUUID } from 'node:crypto';
import { VERSION } from '../../server/version.js';
import { asRequestErrors, unknownSession } from './acp-errors.js';
import type { AcpDeps, AcpSession } from './acp-session.js';
import { interruptTurn, runPromptTurn } from './prompt-turn.js';
import { replaySession } from './session-replay.js';
import { approvalToolsFor, workspaceFor } from './workspace-mapping.js';

/**
 * The ACP agent `ccs acp` serves to an editor: each method a thin bridge onto the server's
 * REST API (sessions, tasks, approvals, the durable event log) through the typed client.
 */
export function buildAcpAgent(deps: AcpDeps): AgentApp {
  const sessions = new Map<string, AcpSession>();

  const open = (id: string, client: AgentContext, init: Pick<AcpSession, 'workspace' | 'approvalTools' | 'existsOnServer'>): AcpSession => {
    // Loading a session this process already has updates it in place: a running turn keeps its one record.
    const session: AcpSession = sessions.get(id) ?? { id, client, turn: undefined, ...init };
    Object.assign(session, init, { client });
    sessions.set(id, session);
    return session;
  };
  const known = (id: string): AcpSession => {
    const session = sessions.get(id);
    if (session === undefined) throw unknownSession(id);
    return session;
  };

  return agent({ name: 'ccs-acp' })
    .onRequest(methods.agent.initialize, () => ({
      protocolVersion: PROTOCOL_VERSION,
      agentCapabilities: {
        loadSession: true,
        // Prompts become the task's text: plain text and resource links (by URI) only.
        promptCapabilities: { image: false, audio: false, embeddedContext: false },
      },
      authMethods: [],
      agentInfo: { name: 'ccs', title: 'Claude Code Server', version: VERSION },
    }))
    .onRequest(methods.agent.session.new, ({ params, client }) =>
      asRequestErrors(async () => {
        // Fails now, with the server's own words, if the server is down or the key is wrong.
        await deps.ccs.tasks.list({ limit: 1 });
        const id = `acp-${randomUUID()}`;
        open(id, client, {
          workspace: workspaceFor(params.cwd, params._meta, deps.env),
          approvalTools: approvalToolsFor(params._meta, deps.env),
          existsOnServer: false,
        });
        return { sessionId: id };
      }),
    )
    .onRequest(methods.agent.session.load, ({ params, client }) =>
      asRequestErrors(async () => {
        // Another tenant's session, or none: SESSION_NOT_FOUND.
        const found = await deps.ccs.sessions.get(params.sessionId);
        const session = open(found.session_id, client, {
          workspace: found.workspace,
          approvalTools: approvalToolsFor(params._meta, deps.env),
          existsOnServer: true,
        });
        await replaySession(deps, session);
        return {};
      }),
    )
    .onRequest(methods.agent.session.prompt, ({ params, signal }) => asRequestErrors(() => runPromptTurn(deps, known(params.sessionId), params.prompt, signal)))
    .onNotification(methods.agent.session.cancel, async ({ params }) => {
      const turn = sessions.get(params.sessionId)?.turn;
      if (turn !== undefined) await interruptTurn(deps, turn);
    });
}
