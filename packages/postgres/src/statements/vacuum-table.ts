// Tidies a freshly built table: a bulk build leaves GIN indexes with long pending lists and the planner without statistics.
import { qualified } from '../sql-identifier.js';

export const vacuumTable = (schema: string, table: string): string => `VACUUM (ANALYZE) ${qualified(schema, table)}`;
