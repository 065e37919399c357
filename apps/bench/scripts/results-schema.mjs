/**
 * results.schema.json is generated from the TypeScript type ResultsDocument
 * (packages/report/src/results.ts, with RunMetrics from @pygc/core) by ts-json-schema-generator,
 * so the published schema and the type the code uses cannot drift apart. Constraints the type
 * cannot say are JSDoc tags on its fields (`@asType integer`, `@minimum 0`, `@format date-time`).
 *
 *   npm run schema -w @pygc/bench    rewrites apps/bench/results.schema.json
 *
 * test/results-schema.test.ts fails when the checked-in file is not what the type gives.
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createGenerator } from 'ts-json-schema-generator'

export const SCHEMA_FILE = fileURLToPath(new URL('../results.schema.json', import.meta.url))

const HEADER = {
  $id: 'https://pygc.dev/schemas/results-v3.json',
  title: 'pygc results, schema version 3',
  $comment:
    'GENERATED from the TypeScript type ResultsDocument (packages/report/src/results.ts) by apps/bench/scripts/results-schema.mjs; do not edit by hand.',
}

/** The schema text exactly as it is checked in. */
export function generateResultsSchema() {
  const schema = createGenerator({
    path: fileURLToPath(new URL('../../../packages/report/src/results.ts', import.meta.url)),
    tsconfig: fileURLToPath(new URL('./tsconfig.schema.json', import.meta.url)),
    type: 'ResultsDocument',
    // tsc checks the types in the build; the generator only reads them.
    skipTypeCheck: true,
    additionalProperties: false,
  }).createSchema('ResultsDocument')
  const { $schema, ...rest } = schema
  return `${JSON.stringify({ $schema, ...HEADER, ...rest }, null, 2)}\n`
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(SCHEMA_FILE, generateResultsSchema())
  console.error(`wrote ${SCHEMA_FILE}`)
}
