/** The test MCP server over stdio: bundled into a workspace (bundleStdioServer), run by the CLI inside the sandbox. */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { buildTestMcpServer } from './test-mcp-server.js';

await buildTestMcpServer('ccs-test-mcp-stdio').connect(new StdioServerTransport());
