// The view readers use for a projection's table: the table of the generation they see, under its unqualified name.
import { qualified } from '../sql-identifier.js';

export const createReaderView = (readerSchema: string, table: string, generationSchema: string): string =>
  `CREATE VIEW ${qualified(readerSchema, table)} AS SELECT * FROM ${qualified(generationSchema, table)}`;
