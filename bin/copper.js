#!/usr/bin/env node
// The `copper` command. The CLI is built into dist/ by `npm install` (prepare) or `npm run build`.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const built = join(__dirname, '..', 'dist', 'cli', 'copper.js');
if (!existsSync(built)) {
  process.stderr.write('copper: the CLI is not built yet. Run `npm run build` in the Copper Console folder.\n');
  process.exit(1);
}
require(built);
