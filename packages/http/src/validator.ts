// Request validation with Ajv: bodies are checked as sent; params, querystring and headers are coerced from strings.
import type { FastifySchemaCompiler } from 'fastify';
import { Ajv, type AnySchemaObject, type Options } from 'ajv';
import ajvFormats from 'ajv-formats';

const shared: Options = {
  allErrors: true, // bounded by the body limit
  useDefaults: true,
  strict: false,
};

/**
 * A validator compiler for Fastify's `setValidatorCompiler`. A JSON body is checked as sent: `"5"` or `true` where an
 * integer is expected is a 400, and so is an unknown field where the schema says `additionalProperties: false`.
 * URL parts and headers are strings, so they are coerced, and unknown query parameters are dropped where not allowed.
 * `sharedSchemas` (the app's `addSchema` schemas) are added before each compile so `$ref`s resolve.
 */
export function createValidatorCompiler(sharedSchemas: () => Readonly<Record<string, unknown>>): FastifySchemaCompiler<unknown> {
  const strict = new Ajv({ ...shared, coerceTypes: false, removeAdditional: false });
  const coercing = new Ajv({ ...shared, coerceTypes: 'array', removeAdditional: true });
  const added = new Set<string>();
  for (const ajv of [strict, coercing]) ajvFormats.default(ajv);
  return ({ schema, httpPart }) => {
    for (const [id, sharedSchema] of Object.entries(sharedSchemas())) {
      if (added.has(id)) continue;
      added.add(id);
      for (const ajv of [strict, coercing]) ajv.addSchema(sharedSchema as AnySchemaObject, id);
    }
    return (httpPart === 'body' ? strict : coercing).compile(schema as AnySchemaObject);
  };
}
