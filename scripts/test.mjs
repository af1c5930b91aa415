// The README's test command: start the lab (real servers on 127.0.0.1), build, then every suite in one run of Node's test
// runner, so one summary closes the output. `node scripts/test.mjs unit` runs the suites that need no browser; `e2e`
// only the browser ones. Set COPPER_LAB=skip to use a lab you started yourself.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const which = process.argv[2] ?? 'all';

function find(dir, pattern, found = []) {
  if (!existsSync(dir)) return found;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) find(path, pattern, found);
    else if (pattern.test(name)) found.push(relative(root, path));
  }
  return found;
}

const unit = [...find(join(root, 'shared'), /\.test\.ts$/), ...find(join(root, 'test/unit'), /\.test\.ts$/), ...find(join(root, 'electron'), /\.test\.ts$/), ...find(join(root, 'test/integration'), /\.test\.ts$/)];
const e2e = find(join(root, 'test/e2e'), /\.spec\.ts$/);
const files = which === 'unit' ? unit : which === 'e2e' ? e2e : [...unit, ...e2e];

const run = (command, args, options = {}) => {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

if (which !== 'unit' && process.platform === 'linux') run('bash', ['scripts/ensure-test-deps.sh']);
if (process.env.COPPER_LAB !== 'skip') run('bash', ['scripts/lab/up.sh']);
run(process.execPath, ['scripts/build.mjs']);
run(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
  env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
});
