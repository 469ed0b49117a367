// times searchOrders over the bench database, as the shop runs it (pg pool, parameters)
import { openSqlClient } from '@twofold/postgres';
const { searchOrders } = await import(process.argv[2]);
const client = await openSqlClient('postgres://postgres@127.0.0.1:5432/' + (process.argv[3] ?? 'dash2_search_bench'));
const cases = [{ q: 'zzzz' }, { q: 'Ada' }, { q: 'mug' }, { q: 'example' }, { q: 'ord-050000' }, { q: 'Ada Turing' }, { q: 'zzzz', status: 'paid' }, { q: 'mug -Ada' }, {}, { q: 'cust-17' }];
for (const search of cases) {
  const times = [];
  let n = 0;
  for (let i = 0; i < 7; i++) {
    const t = performance.now();
    n = (await searchOrders(client, search)).items.length;
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify(search).padEnd(32), `found ${String(n).padStart(2)}  median ${times[3].toFixed(1)} ms  max ${times[6].toFixed(1)} ms`);
}
await client.close();
