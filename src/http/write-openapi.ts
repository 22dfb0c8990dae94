import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderOpenApiDocument } from './openapi.js';

/** `npm run openapi`: writes the generated document to openapi.json (or the path given). */
const target = path.resolve(process.argv[2] ?? 'openapi.json');
writeFileSync(target, renderOpenApiDocument());
process.stdout.write(`Wrote ${target}\n`);
