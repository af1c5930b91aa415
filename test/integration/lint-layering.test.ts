import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ESLint } from 'eslint';
import { repoRoot } from '../support/run-copper';

/** The layering rules of DESIGN.md are enforced by `npm run lint`: prove each one fires on a violation. */
async function lintAs(filePath: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: repoRoot });
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? ''}: ${m.message}`);
}

test('a renderer file importing node:fs fails lint', async () => {
  const messages = await lintAs('renderer/features/probe.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n");
  assert.ok(messages.some((m) => /no-restricted-imports/.test(m)), messages.join('\n'));
});

test('a renderer file importing electron or core code fails lint', async () => {
  assert.ok((await lintAs('renderer/probe.ts', "import { ipcRenderer } from 'electron';\nexport const x = ipcRenderer;\n")).length > 0);
  assert.ok((await lintAs('renderer/probe.ts', "import { createCore } from '../electron/core/app/core';\nexport const x = createCore;\n")).length > 0);
  assert.ok((await lintAs('renderer/probe.ts', "import fs from 'fs';\nexport const x = fs;\n")).length > 0);
});

test('a shared file importing anything but zod and shared/ fails lint', async () => {
  assert.ok((await lintAs('shared/probe.ts', "import { join } from 'node:path';\nexport const x = join;\n")).length > 0);
  assert.ok((await lintAs('shared/probe.ts', "import React from 'react';\nexport const x = React;\n")).length > 0);
  assert.ok((await lintAs('shared/probe.ts', "import { Router } from '../electron/core/router/router';\nexport const x = Router;\n")).length > 0);
  assert.deepEqual(await lintAs('shared/probe.ts', "import { z } from 'zod';\nimport { canonicalJson } from './canonical-json';\nexport const x = [z, canonicalJson];\n"), []);
});

test('a core file importing electron fails lint', async () => {
  const messages = await lintAs('electron/core/probe.ts', "import { app } from 'electron';\nexport const x = app;\n");
  assert.ok(messages.some((m) => /no-restricted-imports/.test(m)), messages.join('\n'));
});
