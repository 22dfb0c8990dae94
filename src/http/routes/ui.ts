import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

/**
 * The web dashboard at `/ui`: static files from `ui/public` (HTML, CSS) and the browser modules
 * `tsc -p ui/tsconfig.json` compiles into `dist/ui`. Nothing comes from a CDN. The files are
 * public (the page itself asks for the key); every API call the page makes needs the key as usual.
 * `GET /ui/api/me` tells the page who it is signed in as; it needs the key like the API does.
 */
export const UI_PREFIX = '/ui';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'application/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** The package root: the nearest directory above this file with a package.json (src/ or dist/src/). */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package.json not found above the UI route');
    dir = parent;
  }
  return dir;
}

const ROOT = packageRoot();
export const UI_ASSET_DIRS = [path.join(ROOT, 'ui', 'public'), path.join(ROOT, 'dist', 'ui')];

/** name → absolute path, for every servable file; read once, so only these names are ever public. */
function listAssets(): Map<string, string> {
  const assets = new Map<string, string>();
  for (const dir of UI_ASSET_DIRS) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (Object.hasOwn(CONTENT_TYPES, path.extname(name))) assets.set(name, path.join(dir, name));
    }
  }
  return assets;
}

const ASSETS = listAssets();

/**
 * Paths served without a key and without counting against the rate limit: the page and its own
 * files, nothing else under /ui (an unknown name is an ordinary 404 that needs the key).
 */
export function isPublicUiPath(urlPath: string): boolean {
  if (urlPath === UI_PREFIX || urlPath === `${UI_PREFIX}/`) return true;
  if (!urlPath.startsWith(`${UI_PREFIX}/`)) return false;
  const name = urlPath.slice(UI_PREFIX.length + 1);
  return ASSETS.has(name);
}

/**
 * The page runs only its own files and talks only to this server (the WebSocket included: CSP3's
 * 'self' covers ws/wss of the same host); no other site may frame it, so its Interrupt button
 * cannot be clickjacked.
 */
const PAGE_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-cache',
};

export function registerUiRoutes(app: FastifyInstance, options: { authEnabled: boolean }): void {
  const cache = new Map<string, Buffer>();
  const send = async (name: string): Promise<Buffer> => {
    let body = cache.get(name);
    if (body === undefined) {
      body = await readFile(ASSETS.get(name)!);
      cache.set(name, body);
    }
    return body;
  };

  app.get(UI_PREFIX, async (_request, reply) => {
    if (!ASSETS.has('app.js')) {
      return reply.code(503).type('text/plain; charset=utf-8').send('The dashboard is not built: run `npm run build` (npm start does it).\n');
    }
    return reply
      .type(CONTENT_TYPES['.html']!)
      .headers(PAGE_HEADERS)
      .send(await send('index.html'));
  });

  app.get('/ui/api/me', async (request) => ({ tenant: request.tenant.id, auth_enabled: options.authEnabled }));

  app.get<{ Params: { asset: string } }>('/ui/:asset', async (request, reply) => {
    const { asset } = request.params;
    if (!ASSETS.has(asset)) return reply.callNotFound();
    // no-cache: the browser revalidates, so a rebuilt dashboard is never mixed with stale modules.
    return reply
      .type(CONTENT_TYPES[path.extname(asset)]!)
      .headers(PAGE_HEADERS)
      .send(await send(asset));
  });
}
