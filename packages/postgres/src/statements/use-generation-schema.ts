// For the rest of the transaction, resolves unqualified names in generations' schemas first, then in the readers' schema.
import { quoteIdentifier } from '../sql-identifier.js';

/** For the rest of the transaction, resolves unqualified names in these generations' schemas, in this order, then in the readers' schema. */
export const useGenerationSchemas = (generationSchemas: readonly string[], readerSchema: string): string =>
  `SET LOCAL search_path TO ${[...generationSchemas, readerSchema].map(quoteIdentifier).join(', ')}`;
