#!/usr/bin/env node
// Builds and signs a Copper offline bundle (see electron/core/provision/bundle/README.md for the format).
//
//   node scripts/build-bundle.mjs --stack resources/stacks/copper-1.0.0.json --key /media/release/copper-release.pem \
//        --docker-host unix:///var/run/docker.sock --out /media/usb/copper-1.0.0 [--tar]
//   node scripts/build-bundle.mjs --lab --key KEY --out DIR [--tar]     # a test bundle from the lab's busybox image
//   node scripts/build-bundle.mjs --keygen FILE                         # FILE (private, 0600) and FILE.pub.pem
//
// Every image a service of the stack names must be present in the Docker engine; it is saved with `docker save`, its
// image ID (config digest) written into the bundle's copy of the stack and the manifest, and manifest.json signed with
// the Ed25519 private key as a detached raw signature in manifest.sig. The private key is only read, never copied.
import { spawnSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function usage(message) {
  process.stderr.write(`build-bundle: ${message}\nUsage: build-bundle.mjs (--stack FILE | --lab) --key PRIVATE_KEY --out DIR [--docker-host URL] [--publisher NAME] [--tar] | --keygen FILE\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const options = { tar: false, lab: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => argv[++i] ?? usage(`${arg} needs a value`);
    if (arg === '--stack') options.stack = value();
    else if (arg === '--key') options.key = value();
    else if (arg === '--out') options.out = value();
    else if (arg === '--docker-host') options.dockerHost = value();
    else if (arg === '--publisher') options.publisher = value();
    else if (arg === '--created-at') options.createdAt = value();
    else if (arg === '--keygen') options.keygen = value();
    else if (arg === '--tar') options.tar = true;
    else if (arg === '--lab') options.lab = true;
    else usage(`unknown argument ${arg}`);
  }
  return options;
}

function keygen(file) {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  mkdirSync(dirname(resolve(file)), { recursive: true });
  writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  writeFileSync(`${file}.pub.pem`, publicKey.export({ type: 'spki', format: 'pem' }), { flag: 'wx' });
  process.stdout.write(`${keyId(publicKey)}\n`);
}

/** The same key ID the console computes: SHA256: + unpadded base64 of the SHA-256 of the SPKI DER. */
function keyId(publicKey) {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return `SHA256:${createHash('sha256').update(der).digest('base64').replace(/=+$/, '')}`;
}

function docker(host, args, options = {}) {
  const result = spawnSync('docker', ['-H', host, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.status !== 0) throw new Error(`docker ${args.join(' ')} failed: ${(result.stderr || result.error?.message || '').trim()}`);
  return result.stdout;
}

async function sha256File(file) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk);
  return hash.digest('hex');
}

/** A file name for an image tar that satisfies the bundle's path rule: copper/mail:1.0.0 → copper_mail_1.0.0.tar. */
const imageFileName = (reference) => `images/${reference.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[._-]+/, '')}.tar`;

function listFiles(root, dir = root) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return listFiles(root, full);
    return [relative(root, full).split(sep).join('/')];
  });
}

async function build(options) {
  if (options.lab) {
    const labFile = join(repoRoot, '.lab', 'lab.json');
    if (!existsSync(labFile)) usage('the lab is not up (.lab/lab.json is missing): run `bash scripts/lab/up.sh`');
    options.dockerHost ??= JSON.parse(readFileSync(labFile, 'utf8')).docker.host;
    options.stack ??= join(repoRoot, 'test', 'fixtures', 'bundle', 'lab-stack.json');
    options.publisher ??= 'Copper lab test publisher';
  }
  if (!options.stack || !options.key || !options.out) usage('--stack (or --lab), --key and --out are required');
  const dockerHost = options.dockerHost ?? process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  const privateKey = createPrivateKey(readFileSync(options.key, 'utf8'));
  if (privateKey.asymmetricKeyType !== 'ed25519') usage(`${options.key} is not an Ed25519 private key`);
  const stack = JSON.parse(readFileSync(options.stack, 'utf8'));
  if (stack.format !== 'copper-stack/1') usage(`${options.stack} is not a copper-stack/1 file`);

  const out = resolve(options.out);
  if (existsSync(out) && readdirSync(out).length) usage(`${out} exists and is not empty: give a new folder`);
  mkdirSync(join(out, 'images'), { recursive: true });

  // One tar per distinct image: services that share an image share its file.
  const references = [...new Set(Object.values(stack.services).map((service) => service.image.reference))];
  const images = [];
  for (const reference of references) {
    const imageId = docker(dockerHost, ['image', 'inspect', '--format', '{{.Id}}', reference]).trim();
    if (!/^sha256:[0-9a-f]{64}$/.test(imageId)) throw new Error(`Unexpected image ID for ${reference}: ${imageId}`);
    const file = imageFileName(reference);
    process.stderr.write(`saving ${reference} (${imageId.slice(0, 19)}…) → ${file}\n`);
    docker(dockerHost, ['save', '-o', join(out, file), reference], { stdio: ['ignore', 'ignore', 'pipe'] });
    images.push({ file, imageId, tags: [reference] });
  }
  for (const service of Object.values(stack.services)) {
    service.image.id = images.find((image) => image.tags.includes(service.image.reference)).imageId;
  }
  const stackFile = `stack/${stack.name}-${stack.version}.json`;
  mkdirSync(join(out, 'stack'), { recursive: true });
  writeFileSync(join(out, stackFile), `${JSON.stringify(stack, null, 2)}\n`);

  const files = [];
  for (const path of listFiles(out).sort()) {
    const full = join(out, ...path.split('/'));
    files.push({ path, sha256: await sha256File(full), size: statSync(full).size });
  }
  const manifest = {
    format: 'copper-bundle/1',
    createdAt: options.createdAt ?? new Date().toISOString(),
    publisher: { keyId: keyId(createPublicKey(privateKey)), name: options.publisher ?? '' },
    stackName: stack.name,
    stackVersion: stack.version,
    stackFile,
    files,
    images,
  };
  const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(out, 'manifest.json'), manifestBytes);
  writeFileSync(join(out, 'manifest.sig'), sign(null, manifestBytes, privateKey));

  if (options.tar) {
    // manifest first, so a reader streaming the tar meets it before the images.
    const tarFile = `${out}.tar`;
    rmSync(tarFile, { force: true });
    const result = spawnSync('tar', ['--format=ustar', '-cf', tarFile, '-C', out, 'manifest.json', 'manifest.sig', ...files.map((file) => file.path)], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`tar failed: ${result.stderr}`);
    process.stderr.write(`wrote ${tarFile}\n`);
  }
  process.stdout.write(`${JSON.stringify({ out, stackVersion: stack.version, publisherKeyId: manifest.publisher.keyId, images: images.length, files: files.length })}\n`);
}

const options = parseArgs(process.argv.slice(2));
if (options.keygen) keygen(options.keygen);
else
  build(options).catch((error) => {
    process.stderr.write(`build-bundle: ${error.message}\n`);
    process.exit(1);
  });
