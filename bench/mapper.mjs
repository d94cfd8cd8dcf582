// The reference jsonata under Node, timed on the same mappings as the app's engine (bench/mapper/mappings.json), with
// $moment from the app's own wrapper and $getPassthrough() returning the same passthrough. Prints one JSON line per
// mapping: microseconds per evaluation, the mean over BENCH_MAPPER_ITERATIONS after a tenth of that to warm up.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const jsonata = require('jsonata');
const moment = require('moment');
const root = new URL('..', import.meta.url);
const wrapperSource = readFileSync(new URL('functions/Serverless.Functions/Runtime/Scripting/moment-wrapper.js', root), 'utf8');
const momentWrapper = new Function('moment', `${wrapperSource}\nreturn momentWrapper;`)(moment);
const { input, passthrough, mappings } = JSON.parse(readFileSync(new URL('bench/mapper/mappings.json', root), 'utf8'));
const iterations = Number(process.env.BENCH_MAPPER_ITERATIONS ?? 5000);

for (const [name, text] of Object.entries(mappings)) {
  const expression = jsonata(text);
  expression.assign('moment', momentWrapper);
  expression.assign('getPassthrough', () => passthrough);
  for (let i = 0; i < iterations / 10; i++) {
    await expression.evaluate(input);
  }
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    await expression.evaluate(input);
  }
  const us = Number(process.hrtime.bigint() - started) / 1000 / iterations;
  console.log(JSON.stringify({ scenario: 'mapper', engine: 'node', name, us: Math.round(us * 100) / 100 }));
}
