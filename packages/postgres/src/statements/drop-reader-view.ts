// Drops the view readers use for a projection's table, before it is made again over another generation.
import { qualified } from '../sql-identifier.js';

export const dropReaderView = (readerSchema: string, table: string): string => `DROP VIEW IF EXISTS ${qualified(readerSchema, table)}`;
