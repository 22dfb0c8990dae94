/**
 * The API's types: the one definition of each request, answer and event. The server's domain
 * and views, the dashboard (ui/) and `ccs` import them from here. They are plain TypeScript, so
 * the client carries no runtime dependency; the server's zod schemas (which validate requests
 * and generate openapi.json) are pinned to them by tsc (test/unit/client-contract.test.ts), so
 * the two cannot drift apart unnoticed.
 */
export * from './api-constants.js';
export * from './events.js';
export * from './requests.js';
export * from './responses.js';
export * from './schedules.js';
export * from './triggers.js';
export * from './files.js';
export * from './secrets.js';
