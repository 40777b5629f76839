// The GraphQL-over-HTTP audits of npm `graphql-http` (serverAudits: every MUST, SHOULD and MAY
// it checks) against the real roster server. Fails unless every audit passes: a warning (a
// SHOULD or MAY not met) counts as a failure here.
//
//   node tests/browser/http-audit.mjs          (from the repository root; after cargo build)

import { serverAudits } from 'graphql-http';
import { startRoster, stopRoster } from './server.mjs';

let server;
let code = 1;
try {
  server = await startRoster();
  const results = await Promise.all(
    serverAudits({ url: `${server.base}/graphql` }).map(async (audit) => ({ audit, result: await audit.fn() })),
  );
  const counts = { ok: 0, warn: 0, error: 0 };
  for (const { audit, result } of results) {
    counts[result.status]++;
    if (result.status !== 'ok') {
      let body = '';
      try {
        body = result.response ? ` -> HTTP ${result.response.status} ${await result.response.text()}` : '';
      } catch {
        // body already read
      }
      console.log(`${result.status.toUpperCase()} ${audit.id} ${audit.name}: ${result.reason}${body}`);
    }
  }
  const total = results.length;
  console.log(`graphql-http audits: ${counts.ok}/${total} pass, ${counts.warn} warnings, ${counts.error} errors`);
  code = counts.ok === total ? 0 : 1;
} catch (e) {
  console.log(`http-audit: ${e && e.stack ? e.stack : e}`);
} finally {
  await stopRoster(server);
}
process.exit(code);
