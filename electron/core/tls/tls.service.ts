import { createHash, randomBytes, type KeyObject } from 'node:crypto';
import { CopperError, type BasicPlan, type PlannedChange } from '../../../shared/contract';
import {
  TlsFinding,
  type TlsAuthority,
  type TlsCertificateRecord,
  type TlsKeyAlgorithm,
  type TlsValidation,
} from '../../../shared/contract/tls';
import type { Clock } from '../app/clock';
import type { Db } from '../db/database';
import type { InventoryService } from '../inventory/inventory.service';
import { plan } from '../inventory/inventory.service';
import type { SecretStore } from '../secrets/secret-store';
import { certificatePem, parseChainPem, type ParsedCertificate } from './certificate-info';
import { createCertificationRequestPem } from './csr';
import { createRootAuthority, DEFAULT_LEAF_VALIDITY_DAYS, issueServerCertificate } from './internal-ca';
import { generatePrivateKey, parsePrivateKeyPem, privateKeyFromBlock, privateKeyFromStored, privateKeyToStored, spkiDer } from './keys';
import { readPkcs12 } from './pkcs12';
import { pickLeaf, validateCertificate } from './validate';
import { tlsInputError } from './tls-input-error';

/**
 * Secret references of TLS keys. Host ids and random record ids, not names: renaming a host keeps its keys. The
 * SecretStore holds the PEM; SQLite holds only these names.
 */
export const tlsKeyRef = (hostId: number, certificateId: string): string => `tls/${hostId}/${certificateId}`;
export const authorityKeyRef = (authorityRef: string): string => `tls/ca/${authorityRef}`;

const newCertificateId = (): string => `c-${randomBytes(8).toString('hex')}`;

interface CertificateRow {
  id: string;
  host_id: number;
  host_name: string;
  site_id: number;
  source: TlsCertificateRecord['source'];
  state: TlsCertificateRecord['state'];
  names: string;
  key_ref: string | null;
  spki_sha256: string;
  csr_pem: string | null;
  chain_pem: string | null;
  authority_name: string | null;
  findings: string;
  created_at: string;
  updated_at: string;
}

interface AuthorityRow {
  id: number;
  name: string;
  site_id: number | null;
  site_name: string | null;
  kind: TlsAuthority['kind'];
  certificate_pem: string;
  key_ref: string | null;
  permitted_domains: string;
  created_at: string;
}

const CERTIFICATE_SELECT = `
  SELECT c.*, h.name AS host_name, h.site_id AS site_id, a.name AS authority_name
  FROM tls_certificates c JOIN hosts h ON h.id = c.host_id LEFT JOIN tls_authorities a ON a.id = c.authority_id`;
const AUTHORITY_SELECT = 'SELECT a.*, s.name AS site_name FROM tls_authorities a LEFT JOIN sites s ON s.id = a.site_id';

const ALGORITHM_WORDS: Record<TlsKeyAlgorithm, string> = {
  'ecdsa-p256': 'ECDSA P-256',
  'ecdsa-p384': 'ECDSA P-384',
  'rsa-2048': 'RSA 2048-bit',
  'rsa-3072': 'RSA 3072-bit',
  'rsa-4096': 'RSA 4096-bit',
};

export interface InspectInput {
  chainPem: string;
  privateKeyPem?: string | undefined;
  expectedNames: string[];
  host?: string | undefined;
  warningDays: number;
}

export interface ImportInput {
  host: string;
  names: string[];
  chainPem?: string | undefined;
  privateKeyPem?: string | undefined;
  pkcs12Base64?: string | undefined;
  password?: string | undefined;
  warningDays: number;
}

/** What an import brings, read once for the plan and again (identically) for the execution. */
interface ImportMaterial {
  certificates: ParsedCertificate[];
  privateKey: KeyObject | null;
  keySource: 'provided' | 'pkcs12' | 'request' | 'none';
  /** The console's pending request whose key this certificate was issued for. */
  request: CertificateRow | null;
}

/** Keys, requests, imports, the console's own CA, and validation of every certificate before it can be deployed. */
export class TlsService {
  constructor(
    private readonly db: Db,
    private readonly secrets: SecretStore,
    private readonly clock: Clock,
    private readonly inventory: InventoryService,
  ) {}

  // ── Reading ────────────────────────────────────────────────────────────────

  /** Validates a chain without storing anything; with a host, against the CA roots configured for its site. */
  inspect(input: InspectInput): TlsValidation {
    const { certificates, keyBlocks } = parseChainPem(input.chainPem);
    const keyText = input.privateKeyPem ?? null;
    if (keyText === null && keyBlocks.length > 1) throw tlsInputError('MULTIPLE_KEYS', `The text holds ${keyBlocks.length} private keys; give only the key of this certificate.`);
    const firstKeyBlock = keyBlocks[0];
    const privateKey = keyText !== null ? parsePrivateKeyPem(keyText) : firstKeyBlock ? privateKeyFromBlock(firstKeyBlock) : undefined;
    return validateCertificate({
      chain: certificates,
      privateKey,
      expectedNames: input.expectedNames,
      trustAnchors: input.host ? this.trustAnchorsFor(input.host) : [],
      now: this.clock.now(),
      warningDays: input.warningDays,
    });
  }

  /** Every record, with findings recomputed now: expiry moves on and CA roots may have been added since. */
  list(hostName?: string): TlsCertificateRecord[] {
    const host = hostName === undefined ? undefined : this.inventory.getHost(hostName).name;
    const rows = (
      host === undefined
        ? this.db.prepare(`${CERTIFICATE_SELECT} ORDER BY h.name COLLATE NOCASE, c.created_at`).all()
        : this.db.prepare(`${CERTIFICATE_SELECT} WHERE h.name = ? ORDER BY c.created_at`).all(host)
    ) as CertificateRow[];
    return rows.map((row) => this.toRecord(row, true));
  }

  authorities(siteName?: string): TlsAuthority[] {
    const rows = this.db.prepare(`${AUTHORITY_SELECT} ORDER BY a.name COLLATE NOCASE`).all() as AuthorityRow[];
    return rows.filter((row) => siteName === undefined || row.site_name === null || row.site_name.toLowerCase() === siteName.toLowerCase()).map(toAuthority);
  }

  /** The CA certificates a host's certificates must build to: its site's authorities and those for every site. */
  trustAnchorsFor(hostName: string): ParsedCertificate[] {
    const host = this.inventory.getHost(hostName);
    return this.authorities(host.site).map((authority) => parseChainPem(authority.certificatePem).certificates[0] as ParsedCertificate);
  }

  // ── tls.csr ────────────────────────────────────────────────────────────────

  planCsr(input: { host: string; names: string[]; algorithm: TlsKeyAlgorithm }): BasicPlan & { names: string[]; algorithm: TlsKeyAlgorithm } {
    const host = this.inventory.getHost(input.host).name;
    const pending = this.pendingRequests(host);
    return {
      ...plan(
        `Generate a ${ALGORITHM_WORDS[input.algorithm]} key and a certificate request for ${host}`,
        [
          { action: 'create', target: `private key for ${host}`, detail: `${ALGORITHM_WORDS[input.algorithm]}, kept in the ${this.storeWords()}; it never leaves the console in plain text` },
          { action: 'create', target: `certificate request for ${host}`, detail: `names ${input.names.join(', ')}` },
        ],
        pending.length
          ? [`${host} already has ${pending.length} request${pending.length === 1 ? '' : 's'} waiting for a certificate; each keeps its own key until a certificate is imported for it.`]
          : [],
      ),
      names: input.names,
      algorithm: input.algorithm,
    };
  }

  async createCsr(input: { host: string; names: string[]; algorithm: TlsKeyAlgorithm; organisation?: string | undefined }): Promise<{ record: TlsCertificateRecord; csrPem: string }> {
    const hostRow = this.requireHostRow(input.host);
    const key = generatePrivateKey(input.algorithm);
    const csrPem = createCertificationRequestPem(key, input.names, input.organisation);
    const id = newCertificateId();
    const keyRef = tlsKeyRef(hostRow.id, id);
    // The key goes into the store before the record exists: a crash in between leaves an unused secret, never a
    // request whose key is lost.
    await this.secrets.set(keyRef, privateKeyToStored(key));
    const now = this.now();
    this.db
      .prepare(
        `INSERT INTO tls_certificates (id, host_id, source, state, names, key_ref, spki_sha256, csr_pem, created_at, updated_at)
         VALUES (?, ?, 'request', 'awaiting-certificate', ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, hostRow.id, JSON.stringify(input.names), keyRef, spkiSha256(key), csrPem, now, now);
    return { record: this.record(id), csrPem };
  }

  // ── tls.import ─────────────────────────────────────────────────────────────

  async planImport(input: ImportInput) {
    const host = this.inventory.getHost(input.host).name;
    const material = this.importMaterial(host, input);
    const validation = this.validateImport(host, input, material);
    const leaf = validation.leaf;
    const changes: PlannedChange[] = [
      {
        action: material.request ? 'update' : 'create',
        target: `certificate for ${host}`,
        detail: `${leaf.subject}, issued by ${leaf.issuer}, valid until ${leaf.notAfter.slice(0, 10)}, SHA-256 ${leaf.fingerprintSha256}`,
      },
    ];
    if (material.keySource === 'provided' || material.keySource === 'pkcs12') {
      changes.push({ action: 'create', target: `private key for ${host}`, detail: `kept in the ${this.storeWords()}` });
    }
    const warnings = validation.findings.map((f) => f.message);
    if (material.request) warnings.unshift(`The certificate matches the request made on ${material.request.created_at.slice(0, 10)}; its key, already in the ${this.storeWords()}, is used.`);
    if (!validation.deployable) warnings.push('The certificate is kept, but it cannot be deployed until the errors above are fixed.');
    return {
      ...plan(`Import the certificate ${leaf.commonName ?? leaf.subject} for ${host}`, changes, warnings),
      validation,
      keySource: material.keySource,
    };
  }

  async importCertificate(input: ImportInput): Promise<TlsCertificateRecord> {
    const hostRow = this.requireHostRow(input.host);
    const material = this.importMaterial(hostRow.name, input);
    const validation = this.validateImport(hostRow.name, input, material);
    const path = orderedChain(material.certificates, validation);
    const chainPem = path.map(certificatePem).join('');
    const now = this.now();
    const findings = JSON.stringify(validation.findings);
    if (material.request) {
      this.db
        .prepare(`UPDATE tls_certificates SET state = 'ready', names = ?, chain_pem = ?, fingerprint_sha256 = ?, not_after = ?, findings = ?, updated_at = ? WHERE id = ?`)
        .run(JSON.stringify(input.names), chainPem, validation.leaf.fingerprintSha256, validation.leaf.notAfter, findings, now, material.request.id);
      return this.record(material.request.id);
    }
    const id = newCertificateId();
    const keyRef = tlsKeyRef(hostRow.id, id);
    // importMaterial refused a missing key; the check is repeated for the type system and for safety.
    if (!material.privateKey) throw tlsInputError('KEY_MALFORMED', 'No private key came with the certificate.');
    await this.secrets.set(keyRef, privateKeyToStored(material.privateKey));
    this.db
      .prepare(
        `INSERT INTO tls_certificates (id, host_id, source, state, names, key_ref, spki_sha256, chain_pem, fingerprint_sha256, not_after, findings, created_at, updated_at)
         VALUES (?, ?, 'import', 'ready', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, hostRow.id, JSON.stringify(input.names), keyRef, validation.leaf.spkiSha256, chainPem, validation.leaf.fingerprintSha256, validation.leaf.notAfter, findings, now, now);
    return this.record(id);
  }

  /**
   * Reads what the operator gave. A key that does not match, or no key at all (and no request of ours for this
   * certificate), is refused outright: such a record could never be deployed and would put a useless key in the store.
   */
  private importMaterial(host: string, input: ImportInput): ImportMaterial {
    let certificates: ParsedCertificate[];
    let privateKey: KeyObject | null;
    let keySource: ImportMaterial['keySource'];
    if (input.pkcs12Base64 !== undefined) {
      const bytes = Buffer.from(input.pkcs12Base64, 'base64');
      const content = readPkcs12(bytes, input.password ?? '');
      certificates = content.certificates;
      privateKey = content.privateKey;
      keySource = privateKey ? 'pkcs12' : 'none';
      if (input.privateKeyPem !== undefined) {
        if (privateKey) throw tlsInputError('MULTIPLE_KEYS', 'The PKCS#12 file already holds a private key: do not give another one.');
        privateKey = parsePrivateKeyPem(input.privateKeyPem);
        keySource = 'provided';
      }
    } else {
      const parsed = parseChainPem(input.chainPem ?? '');
      certificates = parsed.certificates;
      const blocks = input.privateKeyPem !== undefined ? [] : parsed.keyBlocks;
      if (blocks.length > 1) throw tlsInputError('MULTIPLE_KEYS', `The text holds ${blocks.length} private keys; give only the key of this certificate.`);
      const block = blocks[0];
      privateKey = input.privateKeyPem !== undefined ? parsePrivateKeyPem(input.privateKeyPem) : block ? privateKeyFromBlock(block) : null;
      keySource = privateKey ? 'provided' : 'none';
    }
    const leaf = pickLeaf(certificates);
    let request: CertificateRow | null = null;
    if (!privateKey) {
      request = this.pendingRequests(host).find((row) => row.spki_sha256 === leaf.summary.spkiSha256) ?? null;
      if (!request) {
        throw tlsInputError(
          'KEY_MISMATCH',
          `No private key came with the certificate ${leaf.summary.commonName ?? leaf.summary.subject}, and it was not issued for a request the console made for ${host}. ` +
            'Import it together with its key (PEM or PKCS#12), or import the certificate your CA issued for the console’s request.',
        );
      }
      keySource = 'request';
    } else if (!leaf.x509.checkPrivateKey(privateKey)) {
      throw tlsInputError(
        'KEY_MISMATCH',
        `The private key does not belong to the certificate ${leaf.summary.commonName ?? leaf.summary.subject}. Give the key that was used to request this certificate, or the certificate issued for this key.`,
      );
    }
    return { certificates, privateKey, keySource, request };
  }

  private validateImport(host: string, input: ImportInput, material: ImportMaterial): TlsValidation {
    return validateCertificate({
      chain: material.certificates,
      privateKey: material.privateKey ?? undefined,
      expectedNames: input.names,
      trustAnchors: this.trustAnchorsFor(host),
      now: this.clock.now(),
      warningDays: input.warningDays,
    });
  }

  // ── Authorities ────────────────────────────────────────────────────────────

  planCreateAuthority(input: { name: string; site?: string | undefined; commonName: string; algorithm: TlsKeyAlgorithm; validityDays: number; permittedDomains: string[] }): BasicPlan {
    this.assertAuthorityNameFree(input.name);
    if (input.site !== undefined) this.requireSiteId(input.site);
    const warnings = input.permittedDomains.length
      ? []
      : ['The authority is not limited to your domains: anyone who obtained its key could vouch for any name. Consider listing your mail domains.'];
    warnings.push('Mail clients and servers trust this authority only once its certificate is installed on them: export it after creation.');
    return plan(
      `Create the certificate authority ${input.name}${input.site ? ` for site ${input.site}` : ' for every site'}`,
      [
        { action: 'create', target: `authority ${input.name}`, detail: `CN=${input.commonName}, ${ALGORITHM_WORDS[input.algorithm]}, valid ${input.validityDays} days${input.permittedDomains.length ? `, only for ${input.permittedDomains.join(', ')}` : ''}` },
        { action: 'create', target: `private key of authority ${input.name}`, detail: `kept in the ${this.storeWords()}` },
      ],
      warnings,
    );
  }

  async createAuthority(input: {
    name: string;
    site?: string | undefined;
    commonName: string;
    organisation?: string | undefined;
    algorithm: TlsKeyAlgorithm;
    validityDays: number;
    permittedDomains: string[];
  }): Promise<TlsAuthority> {
    this.assertAuthorityNameFree(input.name);
    const siteId = input.site === undefined ? null : this.requireSiteId(input.site);
    const { key, certificate } = createRootAuthority({ ...input, now: this.clock.now() });
    const keyRef = authorityKeyRef(`a-${randomBytes(8).toString('hex')}`);
    await this.secrets.set(keyRef, privateKeyToStored(key));
    this.db
      .prepare(
        `INSERT INTO tls_authorities (name, site_id, kind, certificate_pem, fingerprint_sha256, key_ref, permitted_domains, created_at)
         VALUES (?, ?, 'internal', ?, ?, ?, ?, ?)`,
      )
      .run(input.name, siteId, certificatePem(certificate), certificate.summary.fingerprintSha256, keyRef, JSON.stringify(input.permittedDomains), this.now());
    return this.authority(input.name);
  }

  planTrustAuthority(input: { name: string; site?: string | undefined; certificatePem: string }) {
    this.assertAuthorityNameFree(input.name);
    if (input.site !== undefined) this.requireSiteId(input.site);
    const certificate = this.caCertificate(input.certificatePem);
    const warnings: string[] = [];
    if (!certificate.summary.selfSigned) warnings.push(`${certificate.summary.subject} is an intermediate CA, not a root: certificates are trusted when they build to it.`);
    if (new Date(certificate.summary.notAfter) < this.clock.now()) warnings.push(`This CA certificate expired on ${certificate.summary.notAfter.slice(0, 10)}.`);
    return {
      ...plan(
        `Trust ${certificate.summary.subject} as the CA${input.site ? ` of site ${input.site}` : ' of every site'}`,
        [{ action: 'create', target: `authority ${input.name}`, detail: `${certificate.summary.subject}, SHA-256 ${certificate.summary.fingerprintSha256}` }],
        [...warnings, 'Compare the SHA-256 fingerprint with the one your CA publishes before confirming.'],
      ),
      certificate: certificate.summary,
    };
  }

  trustAuthority(input: { name: string; site?: string | undefined; certificatePem: string }): TlsAuthority {
    this.assertAuthorityNameFree(input.name);
    const siteId = input.site === undefined ? null : this.requireSiteId(input.site);
    const certificate = this.caCertificate(input.certificatePem);
    this.db
      .prepare(`INSERT INTO tls_authorities (name, site_id, kind, certificate_pem, fingerprint_sha256, key_ref, permitted_domains, created_at) VALUES (?, ?, 'external', ?, ?, NULL, '[]', ?)`)
      .run(input.name, siteId, certificatePem(certificate), certificate.summary.fingerprintSha256, this.now());
    return this.authority(input.name);
  }

  private caCertificate(pem: string): ParsedCertificate {
    const { certificates, keyBlocks } = parseChainPem(pem);
    if (keyBlocks.length) throw tlsInputError('CA_CERTIFICATE_UNFIT', 'The text holds a private key: give only the CA certificate. The organisation’s CA key must never leave the CA.');
    if (certificates.length !== 1) throw tlsInputError('CA_CERTIFICATE_UNFIT', `The text holds ${certificates.length} certificates; give only the CA certificate to trust.`);
    const certificate = certificates[0] as ParsedCertificate;
    if (!certificate.summary.isCa) throw tlsInputError('CA_CERTIFICATE_UNFIT', `${certificate.summary.subject} is not a CA certificate (basicConstraints CA:TRUE is missing). Give your CA’s root certificate.`);
    return certificate;
  }

  // ── tls.issue ──────────────────────────────────────────────────────────────

  planIssue(input: { host: string; names: string[]; authority: string; algorithm: TlsKeyAlgorithm; request?: string | undefined; validityDays: number }): BasicPlan {
    const host = this.inventory.getHost(input.host).name;
    const authority = this.internalAuthorityRow(input.authority, host);
    const request = input.request === undefined ? null : this.requireRequest(input.request, host);
    const warnings: string[] = [];
    if (input.validityDays > DEFAULT_LEAF_VALIDITY_DAYS) warnings.push('Some clients refuse server certificates valid for more than 397 days.');
    return plan(
      `Issue a certificate for ${host} from the authority ${authority.name}`,
      [
        request
          ? { action: 'update', target: `request ${request.id} of ${host}`, detail: `certificate for ${input.names.join(', ')}, valid ${input.validityDays} days, with the request's key` }
          : { action: 'create', target: `private key for ${host}`, detail: `${ALGORITHM_WORDS[input.algorithm]}, kept in the ${this.storeWords()}` },
        ...(request ? [] : [{ action: 'create' as const, target: `certificate for ${host}`, detail: `names ${input.names.join(', ')}, valid ${input.validityDays} days` }]),
      ],
      warnings,
    );
  }

  async issue(input: { host: string; names: string[]; authority: string; algorithm: TlsKeyAlgorithm; request?: string | undefined; validityDays: number }): Promise<TlsCertificateRecord> {
    const hostRow = this.requireHostRow(input.host);
    const authorityRow = this.internalAuthorityRow(input.authority, hostRow.name);
    const authorityKeyPem = authorityRow.key_ref ? await this.secrets.get(authorityRow.key_ref) : undefined;
    if (!authorityKeyPem) {
      throw new CopperError('NOT_FOUND', `The key of the authority ${authorityRow.name} is not in the ${this.storeWords()} (it was removed, or this is another data folder). Create a new authority.`);
    }
    const authority = {
      key: privateKeyFromStored(authorityKeyPem),
      certificate: parseChainPem(authorityRow.certificate_pem).certificates[0] as ParsedCertificate,
      permittedDomains: JSON.parse(authorityRow.permitted_domains) as string[],
    };
    const request = input.request === undefined ? null : this.requireRequest(input.request, hostRow.name);
    let subjectKey: KeyObject;
    if (request) {
      const stored = request.key_ref ? await this.secrets.get(request.key_ref) : undefined;
      if (!stored) throw new CopperError('NOT_FOUND', `The key of request ${request.id} is not in the ${this.storeWords()}. Make a new request.`);
      subjectKey = privateKeyFromStored(stored);
    } else {
      subjectKey = generatePrivateKey(input.algorithm);
    }
    const now = this.clock.now();
    const leaf = issueServerCertificate({ authority, subjectKey, names: input.names, now, validityDays: input.validityDays });
    const validation = validateCertificate({ chain: [leaf], privateKey: subjectKey, expectedNames: input.names, trustAnchors: this.trustAnchorsFor(hostRow.name), now });
    const chainPem = certificatePem(leaf);
    const stamp = now.toISOString();
    if (request) {
      this.db
        .prepare(`UPDATE tls_certificates SET state = 'ready', names = ?, chain_pem = ?, fingerprint_sha256 = ?, not_after = ?, authority_id = ?, findings = ?, updated_at = ? WHERE id = ?`)
        .run(JSON.stringify(input.names), chainPem, leaf.summary.fingerprintSha256, leaf.summary.notAfter, authorityRow.id, JSON.stringify(validation.findings), stamp, request.id);
      return this.record(request.id);
    }
    const id = newCertificateId();
    const keyRef = tlsKeyRef(hostRow.id, id);
    await this.secrets.set(keyRef, privateKeyToStored(subjectKey));
    this.db
      .prepare(
        `INSERT INTO tls_certificates (id, host_id, source, state, names, key_ref, spki_sha256, chain_pem, fingerprint_sha256, not_after, authority_id, findings, created_at, updated_at)
         VALUES (?, ?, 'internal-ca', 'ready', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, hostRow.id, JSON.stringify(input.names), keyRef, leaf.summary.spkiSha256, chainPem, leaf.summary.fingerprintSha256, leaf.summary.notAfter, authorityRow.id, JSON.stringify(validation.findings), stamp, stamp);
    return this.record(id);
  }

  /** The private key of a record, for deployment only. Callers must never log, audit or return it. */
  async privateKeyOf(certificateId: string): Promise<KeyObject> {
    const row = this.db.prepare('SELECT key_ref FROM tls_certificates WHERE id = ?').get(certificateId) as { key_ref: string | null } | undefined;
    const stored = row?.key_ref ? await this.secrets.get(row.key_ref) : undefined;
    if (!stored) throw new CopperError('NOT_FOUND', `The private key of certificate ${certificateId} is not in the ${this.storeWords()}.`);
    return privateKeyFromStored(stored);
  }

  /**
   * Forgets a host's certificates and erases their keys from the secret store. Call it before the host is deleted:
   * the rows would go with the host (ON DELETE CASCADE), but the keys would stay in the store, unreachable.
   */
  async forgetHost(hostName: string): Promise<number> {
    const host = this.requireHostRow(hostName);
    const rows = this.db.prepare('SELECT id, key_ref FROM tls_certificates WHERE host_id = ?').all(host.id) as Array<{ id: string; key_ref: string | null }>;
    for (const row of rows) if (row.key_ref) await this.secrets.delete(row.key_ref);
    this.db.prepare('DELETE FROM tls_certificates WHERE host_id = ?').run(host.id);
    return rows.length;
  }

  // ── Helpers ────────────────────────────────────────────────────────────────

  private record(id: string): TlsCertificateRecord {
    const row = this.db.prepare(`${CERTIFICATE_SELECT} WHERE c.id = ?`).get(id) as CertificateRow | undefined;
    if (!row) throw new CopperError('NOT_FOUND', `There is no certificate ${id}.`);
    return this.toRecord(row, false);
  }

  private toRecord(row: CertificateRow, revalidate: boolean): TlsCertificateRecord {
    const names = JSON.parse(row.names) as string[];
    let certificate = null;
    let findings = TlsFinding.array().parse(JSON.parse(row.findings));
    if (row.chain_pem) {
      const chain = parseChainPem(row.chain_pem).certificates;
      certificate = (chain[0] as ParsedCertificate).summary;
      if (revalidate) {
        // The key was checked when it was stored; here only what time and configuration can change is checked again.
        findings = validateCertificate({ chain, expectedNames: names, trustAnchors: this.trustAnchorsFor(row.host_name), now: this.clock.now() }).findings;
      }
    }
    return {
      id: row.id,
      host: row.host_name,
      source: row.source,
      state: row.state,
      names,
      hasPrivateKey: row.key_ref !== null,
      spkiSha256: row.spki_sha256,
      csrPem: row.csr_pem,
      chainPem: row.chain_pem,
      certificate,
      authority: row.authority_name,
      findings,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  private pendingRequests(host: string): CertificateRow[] {
    return this.db.prepare(`${CERTIFICATE_SELECT} WHERE h.name = ? AND c.state = 'awaiting-certificate' ORDER BY c.created_at`).all(host) as CertificateRow[];
  }

  private requireRequest(id: string, host: string): CertificateRow {
    const row = this.db.prepare(`${CERTIFICATE_SELECT} WHERE c.id = ?`).get(id) as CertificateRow | undefined;
    if (!row || row.host_name.toLowerCase() !== host.toLowerCase()) throw new CopperError('NOT_FOUND', `${host} has no request ${id}.`);
    if (row.state !== 'awaiting-certificate') throw new CopperError('INVALID_INPUT', `Request ${id} already has its certificate. Make a new request for a new certificate.`);
    return row;
  }

  private authority(name: string): TlsAuthority {
    const row = this.db.prepare(`${AUTHORITY_SELECT} WHERE a.name = ?`).get(name) as AuthorityRow | undefined;
    if (!row) throw new CopperError('NOT_FOUND', `There is no certificate authority named ${name}.`);
    return toAuthority(row);
  }

  private internalAuthorityRow(name: string, host: string): AuthorityRow {
    const row = this.db.prepare(`${AUTHORITY_SELECT} WHERE a.name = ?`).get(name) as AuthorityRow | undefined;
    if (!row) throw new CopperError('NOT_FOUND', `There is no certificate authority named ${name}. Create one first (tls.ca.create).`);
    if (row.kind !== 'internal') throw new CopperError('INVALID_INPUT', `${row.name} is your organisation's CA: the console cannot issue from it. Make a request (tls.csr) and have your CA sign it.`);
    const site = this.inventory.getHost(host).site;
    if (row.site_name !== null && row.site_name.toLowerCase() !== site.toLowerCase()) {
      throw new CopperError('INVALID_INPUT', `The authority ${row.name} serves site ${row.site_name}, but ${host} is in site ${site}.`);
    }
    return row;
  }

  private assertAuthorityNameFree(name: string): void {
    if (this.db.prepare('SELECT 1 FROM tls_authorities WHERE name = ?').get(name)) {
      throw new CopperError('ALREADY_EXISTS', `There is already a certificate authority named ${name}. Choose another name.`);
    }
  }

  private requireHostRow(name: string): { id: number; name: string } {
    const row = this.inventory.hostRow(name);
    if (!row) throw new CopperError('NOT_FOUND', `There is no host named ${name}.`);
    return { id: row.id, name: row.name };
  }

  private requireSiteId(name: string): number {
    const row = this.inventory.siteRow(name);
    if (!row) throw new CopperError('NOT_FOUND', `There is no site named ${name}.`);
    return row.id;
  }

  private storeWords(): string {
    return this.secrets.status().kind === 'vault' ? 'passphrase vault' : 'operating system keychain';
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}

function toAuthority(row: AuthorityRow): TlsAuthority {
  const certificate = parseChainPem(row.certificate_pem).certificates[0] as ParsedCertificate;
  return {
    name: row.name,
    site: row.site_name,
    kind: row.kind,
    certificate: certificate.summary,
    certificatePem: row.certificate_pem,
    permittedDomains: JSON.parse(row.permitted_domains) as string[],
    createdAt: row.created_at,
  };
}

/** The certificates to deploy, leaf first, in the order the chain built; the configured root itself is not sent. */
function orderedChain(certificates: ParsedCertificate[], validation: TlsValidation): ParsedCertificate[] {
  const byFingerprint = new Map(certificates.map((c) => [c.summary.fingerprintSha256, c]));
  const path = validation.chain.map((s) => byFingerprint.get(s.fingerprintSha256)).filter((c): c is ParsedCertificate => c !== undefined && !c.summary.selfSigned);
  return path.length ? path : [pickLeaf(certificates)];
}

const spkiSha256 = (key: KeyObject): string => createHash('sha256').update(spkiDer(key)).digest('hex');
