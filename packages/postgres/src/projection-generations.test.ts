// When read models' live generations may apply under one search path: only if no name could then resolve elsewhere.
import { describe, expect, it } from 'vitest';
import { sharesOnePath, type GenerationOf } from './projection-generations.js';

const members: readonly GenerationOf[] = [
  { name: 'orderSummaries', generation: 3, tables: ['order_summaries'] },
  { name: 'orderSearch', generation: 1, tables: ['order_search', 'order_search_terms'] },
];

describe('sharesOnePath', () => {
  it('allows a declared table beside the readers’ view of it, and nothing shared at all', () => {
    expect(sharesOnePath(members, 'public', [])).toBe(true);
    expect(
      sharesOnePath(members, 'public', [
        { name: 'order_summaries', schemas: ['public', 'twofold_rm_ordersummaries_3'] },
        { name: 'order_search_terms', schemas: ['public', 'twofold_rm_ordersearch_1'] },
      ]),
    ).toBe(true);
  });

  it('refuses a name in two members’ schemas', () => {
    expect(sharesOnePath(members, 'public', [{ name: 'order_summaries', schemas: ['twofold_rm_ordersearch_1', 'twofold_rm_ordersummaries_3'] }])).toBe(false);
  });

  it('refuses an undeclared object that shadows one of the readers’ schema, or a declared one of another generation', () => {
    expect(sharesOnePath(members, 'public', [{ name: 'audit', schemas: ['public', 'twofold_rm_ordersearch_1'] }])).toBe(false);
    // orderSearch declares order_search, but the schema here is of another generation than the one applying
    expect(sharesOnePath(members, 'public', [{ name: 'order_search', schemas: ['public', 'twofold_rm_ordersearch_2'] }])).toBe(false);
    // a member's declared table is in its own schema: in another member's, it shadows the readers' view
    expect(sharesOnePath(members, 'public', [{ name: 'order_search', schemas: ['public', 'twofold_rm_ordersummaries_3'] }])).toBe(false);
  });

  it('refuses a name in three schemas, even if one of them declares it', () => {
    expect(
      sharesOnePath(members, 'public', [{ name: 'order_summaries', schemas: ['public', 'twofold_rm_ordersearch_1', 'twofold_rm_ordersummaries_3'] }]),
    ).toBe(false);
  });
});
