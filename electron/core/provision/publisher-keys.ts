import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CopperError, type BasicPlan, type PublisherKey } from '../../../shared/contract';
import type { Clock } from '../app/clock';
import type { Db } from '../db/database';
import { ed25519PublicKey, publicKeyPem, publisherKeyId } from './bundle/signature';
import type { TrustedKey } from './bundle/verify-bundle';

interface KeyRow {
  key_id: string;
  name: string;
  public_key_pem: string;
  added_at: string;
  added_by: string;
}

/**
 * The publisher keys whose bundles the console trusts: the release key(s) shipped in resources/keys (read-only: they
 * change only with a new console release), and keys the operator added (public keys only, in SQLite).
 */
export class PublisherKeys {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly releaseKeysDir: string | null = findReleaseKeysDir(),
  ) {}

  list(): PublisherKey[] {
    const operator = (this.db.prepare('SELECT * FROM provision_publisher_keys ORDER BY added_at, key_id').all() as KeyRow[]).map(
      (row): PublisherKey => ({ keyId: row.key_id, name: row.name, origin: 'operator', publicKeyPem: row.public_key_pem, addedAt: row.added_at, addedBy: row.added_by }),
    );
    return [...this.releaseKeys(), ...operator];
  }

  trusted(): TrustedKey[] {
    return this.list().map((key) => ({ keyId: key.keyId, name: key.name, key: ed25519PublicKey(key.publicKeyPem) }));
  }

  planAdd(name: string, pem: string): BasicPlan & { keyId: string } {
    const { keyId } = parseKey(pem);
    const existing = this.list().find((key) => key.keyId === keyId);
    if (existing) throw new CopperError('ALREADY_EXISTS', `The key ${keyId} is already trusted (as "${existing.name}").`, { keyId });
    return {
      summary: `Trust bundles signed by "${name}" (${keyId})`,
      changes: [{ action: 'create', target: `publisher key ${keyId}`, detail: name }],
      warnings: ['Every bundle signed by this key will be accepted for provisioning. Check the key ID with its publisher over a channel you trust.'],
      destructive: false,
      keyId,
    };
  }

  add(name: string, pem: string, actor: string): PublisherKey {
    this.planAdd(name, pem);
    const { keyId, canonicalPem } = parseKey(pem);
    const addedAt = this.clock.now().toISOString();
    this.db.prepare('INSERT INTO provision_publisher_keys (key_id, name, public_key_pem, added_at, added_by) VALUES (?, ?, ?, ?, ?)').run(keyId, name, canonicalPem, addedAt, actor);
    return { keyId, name, origin: 'operator', publicKeyPem: canonicalPem, addedAt, addedBy: actor };
  }

  planRemove(keyId: string): BasicPlan {
    const key = this.find(keyId);
    return {
      summary: `Stop trusting bundles signed by "${key.name}" (${keyId})`,
      changes: [{ action: 'delete', target: `publisher key ${keyId}`, detail: key.name }],
      warnings: ['Bundles signed only by this key will be refused from now on.'],
      destructive: false,
    };
  }

  remove(keyId: string): { removed: string } {
    this.find(keyId);
    this.db.prepare('DELETE FROM provision_publisher_keys WHERE key_id = ?').run(keyId);
    return { removed: keyId };
  }

  private find(keyId: string): PublisherKey {
    const key = this.list().find((candidate) => candidate.keyId === keyId);
    if (!key) throw new CopperError('NOT_FOUND', `No trusted publisher key ${keyId}. \`copper bundle keys list\` shows them.`, { keyId });
    if (key.origin === 'release') {
      throw new CopperError('INVALID_INPUT', `${keyId} is the release key shipped with the console; it cannot be removed here (a new console release replaces it).`, { keyId });
    }
    return key;
  }

  private releaseKeys(): PublisherKey[] {
    if (!this.releaseKeysDir || !existsSync(this.releaseKeysDir)) return [];
    return readdirSync(this.releaseKeysDir)
      .filter((file) => file.endsWith('.pub.pem'))
      .sort()
      .map((file) => {
        const { keyId, canonicalPem } = parseKey(readFileSync(join(this.releaseKeysDir ?? '', file), 'utf8'));
        return { keyId, name: `release (${file.replace(/\.pub\.pem$/, '')})`, origin: 'release' as const, publicKeyPem: canonicalPem, addedAt: null, addedBy: null };
      });
  }
}

function parseKey(pem: string): { keyId: string; canonicalPem: string } {
  try {
    const key = ed25519PublicKey(pem);
    return { keyId: publisherKeyId(key), canonicalPem: publicKeyPem(key) };
  } catch (error) {
    throw new CopperError('INVALID_INPUT', `This is not a usable bundle publisher key: ${(error as Error).message}`);
  }
}

/**
 * resources/keys beside the code: found by walking up from this file, which works from the source tree (tsx) and from
 * the built dist/ alike. A packaged desktop app passes its own resources path instead.
 */
export function findReleaseKeysDir(start: string = __dirname): string | null {
  let dir = start;
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'resources', 'keys');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}
