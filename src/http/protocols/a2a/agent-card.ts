import type { FastifyRequest } from 'fastify';
import { VERSION } from '../../../server/version.js';
import { JSONRPC_PATH } from './jsonrpc-binding.js';
import { REST_PREFIX } from './rest-binding.js';
import { baseUrlOf } from '../../client-address.js';

export const AGENT_CARD_PATH = '/.well-known/agent-card.json';

/**
 * The A2A agent card (specification 1.0, with the fields 0.3 clients look for). Public, so a client can discover how to authenticate:
 * the same API keys as the REST API, as X-API-Key or as a bearer token.
 */
export function agentCard(request: FastifyRequest, authEnabled: boolean) {
  const base = baseUrlOf(request);
  return {
    name: 'Claude Code Server',
    description:
      'Runs coding tasks with Claude Code in sandboxed workspaces: writes and edits files, runs commands, and reports the result, ' +
      'its structured output and the files it changed. A contextId is a session: later messages continue its conversation.',
    supportedInterfaces: [
      { url: `${base}${JSONRPC_PATH}`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
      { url: `${base}${REST_PREFIX}`, protocolBinding: 'HTTP+JSON', protocolVersion: '1.0' },
    ],
    // What 0.3 clients read (1.0 clients ignore these: the card has supportedInterfaces). Only
    // JSON-RPC is offered to them: the 0.3 HTTP+JSON paths are not served.
    protocolVersion: '0.3.0',
    url: `${base}${JSONRPC_PATH}`,
    preferredTransport: 'JSONRPC',
    additionalInterfaces: [{ url: `${base}${JSONRPC_PATH}`, transport: 'JSONRPC' }],
    provider: { organization: 'Claude Code Server', url: base },
    version: VERSION,
    documentationUrl: `${base}/docs`,
    capabilities: { streaming: true, pushNotifications: true, extendedAgentCard: false, extensions: [] },
    securitySchemes: {
      apiKey: { apiKeySecurityScheme: { location: 'header', name: 'X-API-Key', description: 'An API key of the server (API_API_KEY or API_KEYS_FILE).' } },
      bearer: { httpAuthSecurityScheme: { scheme: 'Bearer', description: 'The same API key, as a bearer token.' } },
    },
    securityRequirements: authEnabled ? [{ schemes: { apiKey: { list: [] } } }, { schemes: { bearer: { list: [] } } }] : [],
    defaultInputModes: ['text/plain', 'application/json'],
    defaultOutputModes: ['text/plain', 'application/json'],
    skills: [
      {
        id: 'coding-task',
        name: 'Coding task',
        description:
          'Carries out a software task in a workspace with Claude Code (Read, Write, Edit, Bash...). Options (workspace, allowed_tools, ' +
          'require_approval, output_schema...) go in the message metadata under "ccs", as in POST /api/v1/tasks.',
        tags: ['coding', 'claude-code', 'files', 'shell'],
        examples: ['Add input validation to src/server.ts and run the tests', 'Create hello.txt containing "hello"'],
        inputModes: ['text/plain'],
        outputModes: ['text/plain', 'application/json'],
        securityRequirements: [],
      },
    ],
    signatures: [],
  };
}
