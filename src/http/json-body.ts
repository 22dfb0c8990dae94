import type { FastifyInstance } from 'fastify';

/**
 * JSON bodies, parsed by fastify's own parser (it refuses `__proto__` and `constructor` keys), except
 * that an empty body with a JSON content type counts as no body. Many HTTP clients and CI tools send
 * `Content-Type: application/json` on every request, also on a bodiless interrupt, delete or fire;
 * a route that needs a body still answers 400 VALIDATION_ERROR ("must be a JSON object").
 */
export function acceptEmptyJsonBodies(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = String(body);
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    parse(request, text, done);
  });
}
