#!/usr/bin/env node
// The `pygc` bin. npm links a bin only if its file exists at install time, and dist/ does not
// exist on a fresh clone, so the link points here and this loads the built command.
import { existsSync } from 'node:fs'

const cli = new URL('../dist/cli.js', import.meta.url)
if (!existsSync(cli)) {
  process.stderr.write('pygc: the command is not built yet; run `npm run build` (or `npm run bench`) first\n')
  process.exit(1)
}
await import(cli.href)
