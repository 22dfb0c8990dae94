import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../errors.js';
import { renderOpenApiDocument } from '../openapi.js';
import { operation, urlOf } from '../openapi/operation.js';

export const DOCS_OPERATIONS = {
  getOpenApi: operation({
    method: 'get',
    path: '/openapi.json',
    id: 'getOpenApi',
    summary: 'This OpenAPI document',
    tags: ['docs'],
    responses: { '200': { description: 'The document.', content: { 'application/json': { schema: { type: 'object' } } } } },
  }),
  getDocs: operation({
    method: 'get',
    path: '/docs',
    id: 'getDocs',
    summary: 'Swagger UI for this document',
    tags: ['docs'],
    responses: { '200': { description: 'An HTML page.', content: { 'text/html': { schema: { type: 'string' } } } } },
  }),
};

/** Swagger UI's files, served from the swagger-ui-dist package: no CDN, works offline. */
const SWAGGER_UI_DIR = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

const PAGE = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>Claude Code Server API</title>
    <link rel="stylesheet" type="text/css" href="/docs/swagger-ui.css">
    <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="/docs/swagger-initializer.js" charset="UTF-8"></script>
  </body>
</html>
`;

const INITIALIZER = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
};
`;

/** The document never changes in a process: rendered on its first request (a tenth of a CPU second that most starts never need). */
let document: string | undefined;

/**
 * `GET /openapi.json` (generated from the zod schemas; test/unit/openapi.test.ts renders it on
 * every run, so a schema it cannot describe fails there) and Swagger UI at `GET /docs`. Both
 * follow the same auth rule as every other route but /health.
 */
export function registerDocsRoutes(app: FastifyInstance): void {
  const cache = new Map<string, Buffer>();

  app.get(urlOf(DOCS_OPERATIONS.getOpenApi), async (_request, reply) =>
    reply.type('application/json; charset=utf-8').send((document ??= renderOpenApiDocument())),
  );

  app.get(urlOf(DOCS_OPERATIONS.getDocs), async (_request, reply) => reply.type('text/html; charset=utf-8').send(PAGE));

  app.get<{ Params: { asset: string } }>('/docs/:asset', async (request, reply) => {
    const { asset } = request.params;
    if (asset === 'swagger-initializer.js') return reply.type('application/javascript; charset=utf-8').send(INITIALIZER);
    const type = Object.hasOwn(ASSETS, asset) ? ASSETS[asset] : undefined;
    if (type === undefined) throw new ApiError('NOT_FOUND', `No route for GET /docs/${asset}`);
    let body = cache.get(asset);
    if (body === undefined) {
      body = await readFile(path.join(SWAGGER_UI_DIR, asset));
      cache.set(asset, body);
    }
    return reply.type(type).header('Cache-Control', 'public, max-age=86400').send(body);
  });
}
