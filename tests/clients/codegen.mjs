// graphql-codegen (typescript + typescript-operations) over every operation the console and its
// pages send (`roster trusted-documents`), against schema.graphql, with `strictScalars` (an
// unmapped scalar is an error) and DateTime mapped to string: zero warnings, every operation
// named.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';

import { assert, repoRoot } from './helpers.mjs';

const bin = process.env.ROSTER_BIN ? path.resolve(process.env.ROSTER_BIN) : path.join(repoRoot, 'target', 'debug', 'roster');
const manifest = JSON.parse(execFileSync(bin, ['trusted-documents'], { encoding: 'utf8' }));
const tmp = mkdtempSync(path.join(os.tmpdir(), 'roster-codegen-'));
const said = [];
const keep = (...args) => said.push(args.map(String).join(' '));
const [warn, log, error] = [console.warn, console.log, console.error];
try {
  for (const op of manifest.operations) writeFileSync(path.join(tmp, `${op.name}.graphql`), op.body);
  console.warn = keep;
  console.log = keep;
  console.error = keep;
  const out = path.join(tmp, 'graphql.ts');
  await generate(
    {
      schema: path.join(repoRoot, 'schema.graphql'),
      documents: path.join(tmp, '*.graphql'),
      silent: true,
      errorsOnly: true,
      generates: {
        [out]: {
          plugins: ['typescript', 'typescript-operations'],
          config: { strictScalars: true, scalars: { DateTime: 'string' } },
        },
      },
    },
    true,
  );
  [console.warn, console.log, console.error] = [warn, log, error];
  const ts = readFileSync(out, 'utf8');
  assert.deepEqual(said, [], 'codegen said nothing');
  assert.ok(ts.includes("DateTime: { input: string; output: string; }"), 'DateTime mapped to string');
  for (const op of manifest.operations) {
    const type = op.type[0].toUpperCase() + op.type.slice(1);
    assert.ok(ts.includes(`export type ${op.name}${type} = `), `${op.name}${type} generated`);
  }
  assert.ok(!ts.includes('Unnamed'), 'every operation is named');
  console.log(`clients: codegen: ok (${manifest.operations.length} operations)`);
} catch (e) {
  [console.warn, console.log, console.error] = [warn, log, error];
  console.error(`clients: codegen: FAILED\n${e.stack || e}\n${said.join('\n')}`);
  process.exitCode = 1;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
