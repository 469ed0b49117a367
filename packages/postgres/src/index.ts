export type { QueryResult, SqlClient, SqlSession } from './sql-client.js';
