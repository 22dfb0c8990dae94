import { z } from 'zod';

type JsonSchema = Record<string, unknown>;

/**
 * The JSON schema Fastify compiles into a fast-json-stringify serializer for a response, made
 * once at start-up from the same zod schema the OpenAPI document is generated from.
 *
 * fast-json-stringify writes only the properties a schema names, so the response schemas must
 * name every field a view returns: test/unit/openapi.test.ts checks that at compile time and
 * test/integration/response-serialization.test.ts on real answers.
 *
 * Two rewrites keep the serializer on its fast paths: `$ref`s are inlined (the schema is
 * self-contained, no shared-schema lookup), and `X | null`, which zod writes as `anyOf`, becomes
 * `nullable: true` (an `anyOf` makes fast-json-stringify validate each value to pick a branch).
 * Descriptions and numeric bounds are dropped: they do not change what is written.
 */
export function responseJsonSchema(schema: z.ZodType): JsonSchema {
  let simplified = converted.get(schema);
  if (simplified === undefined) {
    const document = z.toJSONSchema(schema, { target: 'draft-07', io: 'output', unrepresentable: 'any' }) as JsonSchema;
    const definitions = (document.definitions ?? {}) as Record<string, JsonSchema>;
    simplified = simplify(document, definitions, new Set());
    converted.set(schema, simplified);
  }
  // A copy per route: the schemas are static, but what fastify does with the object it is given is its own business.
  return structuredClone(simplified);
}

/** Converted once per process: every app built (each test server, say) would otherwise pay 50 ms again. */
const converted = new WeakMap<z.ZodType, JsonSchema>();

const DROPPED_KEYWORDS = new Set([
  '$schema',
  'definitions',
  'description',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'id',
  'title',
  'examples',
]);

function simplify(node: JsonSchema, definitions: Record<string, JsonSchema>, resolving: Set<string>): JsonSchema {
  const ref = node.$ref;
  if (typeof ref === 'string') {
    const name = ref.replace(/^#\/definitions\//, '');
    const target = definitions[name];
    if (target === undefined || resolving.has(name)) throw new Error(`Response schema: cannot inline ${ref}`);
    const inner = new Set(resolving).add(name);
    const { $ref: _ref, ...siblings } = node;
    return simplify({ ...target, ...siblings }, definitions, inner);
  }

  const nullableOf = nullableBranch(node);
  if (nullableOf !== undefined) return { ...simplify(nullableOf, definitions, resolving), nullable: true };

  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED_KEYWORDS.has(key)) continue;
    if (key === 'properties' && isRecord(value)) {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, simplify(child as JsonSchema, definitions, resolving)]));
    } else if ((key === 'items' || key === 'additionalProperties') && isRecord(value)) {
      out[key] = simplify(value, definitions, resolving);
    } else if ((key === 'anyOf' || key === 'oneOf' || key === 'allOf') && Array.isArray(value)) {
      out[key] = value.map((child) => simplify(child as JsonSchema, definitions, resolving));
    } else if (key === 'type' && Array.isArray(value) && value.length === 2 && value.includes('null')) {
      out.type = value.find((t) => t !== 'null');
      out.nullable = true;
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** The non-null branch of `anyOf: [X, {type: 'null'}]` (either order), with the node's own keywords. */
function nullableBranch(node: JsonSchema): JsonSchema | undefined {
  const anyOf = node.anyOf;
  if (!Array.isArray(anyOf) || anyOf.length !== 2) return undefined;
  const nullIndex = anyOf.findIndex((branch) => isRecord(branch) && branch.type === 'null' && Object.keys(branch).length === 1);
  if (nullIndex === -1) return undefined;
  const { anyOf: _anyOf, ...siblings } = node;
  return { ...(anyOf[1 - nullIndex] as JsonSchema), ...siblings };
}

function isRecord(value: unknown): value is JsonSchema {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
