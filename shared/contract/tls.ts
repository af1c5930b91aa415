import { z } from 'zod';
import { command, planShape, query } from './define';
import { HostName, SiteName, Timestamp } from './common';

/**
 * TLS certificates for the mail servers: a key and CSR for the organisation's CA, an imported chain (PEM or PKCS#12),
 * or a certificate from the console's own small CA; every one validated before it can be deployed.
 */

/** A DNS name a certificate covers: one of a host's mail names (inventory `mailNames`), or `*.domain` for a wildcard request. */
export const TlsName = z
  .string()
  .trim()
  .toLowerCase()
  .transform((name) => name.replace(/\.$/, ''))
  .pipe(
    z
      .string()
      .max(253)
      .regex(
        /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/,
        'Enter a host name such as mail.example.org (a wildcard only as *.example.org).',
      ),
  );
export const TlsNames = z
  .array(TlsName)
  .min(1, 'Name at least one mail name the certificate must cover.')
  .max(100)
  .refine((names) => new Set(names).size === names.length, 'Each mail name once.');

/** Key algorithms the console generates. ECDSA P-256 is the default: small, fast, supported by every current mail client. */
export const TlsKeyAlgorithm = z.enum(['ecdsa-p256', 'ecdsa-p384', 'rsa-2048', 'rsa-3072', 'rsa-4096']);
export type TlsKeyAlgorithm = z.infer<typeof TlsKeyAlgorithm>;

/** PEM text as pasted or read from a file; bounded so a wrong file cannot exhaust memory. */
export const PemText = z.string().max(1_000_000, 'That is far larger than any certificate chain: check that it is the right file.');

/** An authority's name in the console, e.g. "copper-hq-ca". */
export const AuthorityName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'Use 1–63 letters, digits, dots, dashes or underscores, starting with a letter or digit.');

/** A certificate record's id, e.g. "c-9f2b…": random, also part of its key's secret reference. */
export const CertificateId = z.string().regex(/^c-[0-9a-f]{16}$/, 'A certificate id looks like c- followed by 16 hex digits.');

export const CertificateSummary = z.object({
  subject: z.string(),
  issuer: z.string(),
  commonName: z.string().nullable(),
  /** The subjectAltName DNS names, as the certificate lists them. */
  dnsNames: z.array(z.string()),
  notBefore: Timestamp,
  notAfter: Timestamp,
  /** Hex, as openssl prints it. */
  serialNumber: z.string(),
  /** SHA-256 of the whole certificate, colon-separated upper-case hex (as openssl and Node's TLS print it). */
  fingerprintSha256: z.string(),
  /** SHA-256 of the SubjectPublicKeyInfo, lower-case hex: the data of a DANE `TLSA 3 1 1` record. */
  spkiSha256: z.string(),
  keyType: z.enum(['rsa', 'ec', 'ed25519', 'ed448', 'other']),
  /** RSA modulus bits or EC curve bits. */
  keySize: z.number().int().nullable(),
  /** The EC curve (e.g. prime256v1), null for other keys. */
  curve: z.string().nullable(),
  signatureAlgorithm: z.string(),
  isCa: z.boolean(),
  selfSigned: z.boolean(),
});
export type CertificateSummary = z.infer<typeof CertificateSummary>;

/** What validation can find. Stable: the UI, scripts and deployment match on these; never rename one. */
export const TlsFindingCode = z.enum([
  'TLS_KEY_MISSING',
  'TLS_KEY_MISMATCH',
  'TLS_NO_CA_CONFIGURED',
  'TLS_CHAIN_INCOMPLETE',
  'TLS_CHAIN_UNTRUSTED',
  'TLS_ISSUER_NOT_CA',
  'TLS_SIGNATURE_INVALID',
  'TLS_NAME_NOT_COVERED',
  'TLS_EXPIRED',
  'TLS_NOT_YET_VALID',
  'TLS_EXPIRING_SOON',
  'TLS_KEY_USAGE_UNFIT',
  'TLS_EXTENDED_KEY_USAGE_UNFIT',
  'TLS_LEAF_IS_CA',
  'TLS_WEAK_KEY',
  'TLS_WEAK_SIGNATURE',
  'TLS_UNUSED_CERTIFICATE',
]);
export type TlsFindingCode = z.infer<typeof TlsFindingCode>;

export const TlsFinding = z.object({
  code: TlsFindingCode,
  /** error: the certificate must not be deployed. warning: it may be, but the operator should act. */
  severity: z.enum(['error', 'warning']),
  /** A sentence naming the cause and the fix. */
  message: z.string(),
  /** The subject of the certificate concerned, when it is not the leaf alone. */
  certificate: z.string().nullable(),
  /** The mail name concerned (TLS_NAME_NOT_COVERED). */
  name: z.string().nullable(),
});
export type TlsFinding = z.infer<typeof TlsFinding>;

export const TlsValidation = z.object({
  leaf: CertificateSummary,
  /** The chain as built: leaf first, then each issuer up to the configured CA (included) when it builds. */
  chain: z.array(CertificateSummary),
  findings: z.array(TlsFinding),
  /** No finding of severity error. */
  deployable: z.boolean(),
});
export type TlsValidation = z.infer<typeof TlsValidation>;

/**
 * Why an input was refused, in `details.reason` of an INVALID_INPUT (or KEY_PASSPHRASE_WRONG) error. Stable like
 * error codes.
 */
export const TlsInputProblem = z.enum([
  'PEM_MALFORMED',
  'NO_CERTIFICATE',
  'CERTIFICATE_MALFORMED',
  'KEY_MALFORMED',
  'KEY_ENCRYPTED',
  'KEY_UNSUPPORTED',
  'MULTIPLE_KEYS',
  'PKCS12_MALFORMED',
  'PKCS12_PASSWORD_WRONG',
  'PKCS12_UNSUPPORTED_ENCRYPTION',
  'CSR_MALFORMED',
  'CSR_SIGNATURE_INVALID',
  'NAME_OUTSIDE_CA_CONSTRAINTS',
  'KEY_MISMATCH',
  'CA_CERTIFICATE_UNFIT',
]);
export type TlsInputProblem = z.infer<typeof TlsInputProblem>;

export const TlsCertificateSource = z.enum(['request', 'import', 'internal-ca']);
export const TlsCertificateState = z.enum(['awaiting-certificate', 'ready']);

/** A certificate (or a request waiting for one) the console keeps for a host. The private key stays in the secret store. */
export const TlsCertificateRecord = z.object({
  id: CertificateId,
  host: HostName,
  source: TlsCertificateSource,
  state: TlsCertificateState,
  /** The mail names it was requested or validated for. */
  names: z.array(z.string()),
  /** The key is in the secret store (never shown, never exported by this record). */
  hasPrivateKey: z.boolean(),
  spkiSha256: z.string(),
  csrPem: z.string().nullable(),
  /** Leaf first, then intermediates, as it will be deployed. */
  chainPem: z.string().nullable(),
  certificate: CertificateSummary.nullable(),
  /** The internal authority that issued it, if any. */
  authority: z.string().nullable(),
  findings: z.array(TlsFinding),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type TlsCertificateRecord = z.infer<typeof TlsCertificateRecord>;

export const TlsAuthority = z.object({
  name: AuthorityName,
  /** null: trusted for every site. */
  site: SiteName.nullable(),
  /** internal: the console's own CA (it holds the key). external: the organisation's CA root, trusted for validation. */
  kind: z.enum(['internal', 'external']),
  certificate: CertificateSummary,
  certificatePem: z.string(),
  /** DNS name constraints of an internal CA; empty when unconstrained. */
  permittedDomains: z.array(z.string()),
  createdAt: Timestamp,
});
export type TlsAuthority = z.infer<typeof TlsAuthority>;

const WarningDays = z.number().int().min(0).max(365).default(30);

// ── Operations ───────────────────────────────────────────────────────────────

export const tlsInspect = query({
  name: 'tls.inspect',
  summary: 'Read a certificate chain (and optionally its key) and say whether it is fit to deploy, without storing anything',
  input: z.object({
    chainPem: PemText,
    privateKeyPem: PemText.optional(),
    /** Validate against these names; with a host and no names, nothing is checked for names. */
    expectedNames: z.array(TlsName).max(100).default([]),
    /** Use the CA roots configured for this host's site. */
    host: HostName.optional(),
    warningDays: WarningDays,
  }),
  output: TlsValidation,
});

export const tlsList = query({
  name: 'tls.list',
  summary: 'The certificates and pending requests the console keeps, for one host or all',
  input: z.object({ host: HostName.optional() }),
  output: z.array(TlsCertificateRecord),
});

export const tlsCsr = command({
  name: 'tls.csr',
  summary: 'Generate a private key (kept in the secret store) and a certificate request for a host’s mail names',
  input: z.object({
    host: HostName,
    names: TlsNames,
    algorithm: TlsKeyAlgorithm.default('ecdsa-p256'),
    /** The subject's O=, if the organisation's CA wants one. */
    organisation: z.string().trim().min(1).max(64).optional(),
  }),
  plan: z.object({ ...planShape, names: z.array(z.string()), algorithm: TlsKeyAlgorithm }),
  output: z.object({ record: TlsCertificateRecord, csrPem: z.string() }),
});

export const tlsImport = command({
  name: 'tls.import',
  summary: 'Import a certificate chain (PEM, or PKCS#12 with its password) for a host, validated before it is kept',
  input: z
    .object({
      host: HostName,
      /** The host's mail names: the certificate must cover every one. */
      names: TlsNames,
      chainPem: PemText.optional(),
      /** Unencrypted PEM (PKCS#8, PKCS#1 or SEC1). Omit it when the key is the one of a request made by the console. */
      privateKeyPem: PemText.optional(),
      /** A .p12/.pfx file, base64. */
      pkcs12Base64: z.string().max(2_000_000).optional(),
      password: z.string().max(1024).optional(),
      warningDays: WarningDays,
    })
    .refine((input) => (input.chainPem === undefined) !== (input.pkcs12Base64 === undefined), {
      message: 'Give either a PEM chain or a PKCS#12 file, not both and not neither.',
      path: ['chainPem'],
    }),
  plan: z.object({
    ...planShape,
    validation: TlsValidation,
    keySource: z.enum(['provided', 'pkcs12', 'request', 'none']),
  }),
  output: TlsCertificateRecord,
  secretFields: ['privateKeyPem', 'pkcs12Base64', 'password'],
});

export const tlsAuthorities = query({
  name: 'tls.ca.list',
  summary: 'The certificate authorities the console trusts or runs',
  input: z.object({ site: SiteName.optional() }),
  output: z.array(TlsAuthority),
});

export const tlsCaCreate = command({
  name: 'tls.ca.create',
  summary: 'Create the console’s own certificate authority for sites that have none (its key stays in the secret store)',
  input: z.object({
    name: AuthorityName,
    /** Omitted: the authority serves every site. */
    site: SiteName.optional(),
    commonName: z.string().trim().min(1).max(64),
    organisation: z.string().trim().min(1).max(64).optional(),
    algorithm: TlsKeyAlgorithm.default('ecdsa-p256'),
    validityDays: z.number().int().min(30).max(7300).default(3650),
    /** Restrict the CA to these DNS domains (and names below them): a stolen CA key then cannot vouch for anyone else. */
    permittedDomains: z.array(TlsName).max(50).default([]),
  }),
  plan: z.object(planShape),
  output: TlsAuthority,
});

export const tlsCaTrust = command({
  name: 'tls.ca.trust',
  summary: 'Trust the organisation’s CA root certificate for validating a site’s certificates',
  input: z.object({ name: AuthorityName, site: SiteName.optional(), certificatePem: PemText }),
  plan: z.object({ ...planShape, certificate: CertificateSummary }),
  output: TlsAuthority,
});

export const tlsIssue = command({
  name: 'tls.issue',
  summary: 'Issue a server certificate for a host from the console’s own CA (a new key, or the key of a pending request)',
  input: z.object({
    host: HostName,
    names: TlsNames,
    authority: AuthorityName,
    algorithm: TlsKeyAlgorithm.default('ecdsa-p256'),
    /** Issue for the key of this pending request instead of generating a new one. */
    request: CertificateId.optional(),
    /** 397 days: the longest that browsers and many clients accept for a server certificate. */
    validityDays: z.number().int().min(1).max(397).default(397),
  }),
  plan: z.object(planShape),
  output: TlsCertificateRecord,
});

// ── Deployment ───────────────────────────────────────────────────────────────

/** The TLS listeners the console checks after a deployment, in the operator's words. */
export const TlsListener = z.enum(['smtp', 'submission', 'smtps', 'imaps', 'https']);
export type TlsListener = z.infer<typeof TlsListener>;
export const TLS_LISTENERS = TlsListener.options;

/** How each listener starts TLS: SMTP STARTTLS after EHLO (25, 587), or TLS from the first byte (465, 993, 443). */
export const TLS_LISTENER_WORDS: Record<TlsListener, string> = {
  smtp: 'SMTP STARTTLS',
  submission: 'submission STARTTLS',
  smtps: 'SMTPS',
  imaps: 'IMAPS',
  https: 'HTTPS (reverse proxy)',
};

const Port = z.number().int().min(1).max(65535);
/** An absolute path on the server, plain characters only: it goes into argv and into Dovecot/nginx includes. */
const ServerPath = z.string().regex(/^\/[A-Za-z0-9._/-]{1,255}$/, 'Give an absolute path of letters, digits, dots, dashes, underscores and slashes.').refine((p) => !p.split('/').includes('..'), 'No ".." in the path.');

/** Where a host's mail services read their configuration, and where the console checks what they serve. */
export const TlsHostSettings = z.object({
  /** The address the console connects to for the checks; null: the host's SSH address. */
  address: z.string().trim().regex(/^[A-Za-z0-9.:_-]{1,253}$/, 'Enter a host name or IP address.').nullable(),
  /** null: the listener does not exist on this host and is not checked. */
  ports: z.object({
    smtp: Port.nullable(),
    submission: Port.nullable(),
    smtps: Port.nullable(),
    imaps: Port.nullable(),
    https: Port.nullable(),
  }),
  /** Dovecot's main configuration (reloaded with `doveadm -c`); null: no Dovecot on this host. */
  dovecotConfig: ServerPath.nullable(),
  /** The reverse proxy's nginx configuration (tested and reloaded with `nginx -c`); null: no reverse proxy. */
  nginxConfig: ServerPath.nullable(),
});
export type TlsHostSettings = z.infer<typeof TlsHostSettings>;

export const DEFAULT_TLS_HOST_SETTINGS: TlsHostSettings = {
  address: null,
  ports: { smtp: 25, submission: 587, smtps: 465, imaps: 993, https: 443 },
  dovecotConfig: '/etc/dovecot/dovecot.conf',
  nginxConfig: '/etc/nginx/nginx.conf',
};

/** What one listener served when the console looked. */
export const TlsListenerCheck = z.object({
  listener: TlsListener,
  address: z.string(),
  port: Port,
  /** The leaf certificate the server presented (colon upper hex), or null when the check could not get one. */
  servedFingerprintSha256: z.string().nullable(),
  /** The fingerprint the check expected, or null when it only recorded what was served. */
  expectedFingerprintSha256: z.string().nullable(),
  ok: z.boolean(),
  /** Why the check failed, in plain words (server text quoted as text). */
  problem: z.string().nullable(),
});
export type TlsListenerCheck = z.infer<typeof TlsListenerCheck>;

export const TlsDeploymentState = z.enum(['writing', 'verified', 'rolled-back', 'rollback-failed', 'superseded']);
export type TlsDeploymentState = z.infer<typeof TlsDeploymentState>;

export const TlsDeployment = z.object({
  id: z.number().int(),
  host: HostName,
  certificateId: CertificateId.nullable(),
  fingerprintSha256: z.string(),
  names: z.array(z.string()),
  notAfter: Timestamp,
  /** What the host served before (from its certificate file), null when it had none. */
  previousFingerprintSha256: z.string().nullable(),
  /** writing: started and not finished (interrupted if no deployment runs now). */
  state: TlsDeploymentState,
  /** How far it got; for an interrupted deployment, where it stopped. */
  step: z.enum(['started', 'backed-up', 'written', 'reloaded', 'checked']),
  checks: z.array(TlsListenerCheck),
  problem: z.string().nullable(),
  startedAt: Timestamp,
  finishedAt: Timestamp.nullable(),
  actor: z.string(),
});
export type TlsDeployment = z.infer<typeof TlsDeployment>;

export const tlsSettings = query({
  name: 'tls.settings',
  summary: 'Where a host’s Postfix, Dovecot and reverse proxy read their certificate, and which ports the console checks',
  input: z.object({ host: HostName }),
  output: TlsHostSettings,
});

export const tlsConfigure = command({
  name: 'tls.configure',
  summary: 'Set where a host’s Dovecot and reverse proxy configuration live and which TLS ports the console checks',
  input: z.object({
    host: HostName,
    address: TlsHostSettings.shape.address.optional(),
    ports: TlsHostSettings.shape.ports.partial().optional(),
    dovecotConfig: TlsHostSettings.shape.dovecotConfig.optional(),
    nginxConfig: TlsHostSettings.shape.nginxConfig.optional(),
    /** Back to the defaults first, then apply the rest. */
    defaults: z.boolean().default(false),
  }),
  plan: z.object({ ...planShape, settings: TlsHostSettings }),
  output: TlsHostSettings,
});

export const TlsDeployPlan = z.object({
  ...planShape,
  certificateId: CertificateId,
  certificate: CertificateSummary,
  /** The certificate validated now, against the host's mail names and site CAs: deployment is refused on any error. */
  findings: z.array(TlsFinding),
  /** The certificate in the host's file now, if the console could read it. */
  current: CertificateSummary.nullable(),
  /** Services reloaded, in order. */
  reloads: z.array(z.enum(['postfix', 'dovecot', 'nginx'])),
  /** Listeners checked after the reload, with what each serves now. */
  listeners: z.array(TlsListenerCheck),
  /** An earlier deployment to this host was interrupted: its backup is the state to roll back to. */
  resumes: z.number().int().nullable(),
});
export type TlsDeployPlan = z.infer<typeof TlsDeployPlan>;

export const tlsDeploy = command({
  name: 'tls.deploy',
  summary: 'Install a certificate on a host for Postfix, Dovecot and the reverse proxy, reload them, check what each port serves, and roll back if any check fails',
  input: z.object({
    host: HostName,
    /** Omitted: the host's newest certificate that is ready and has its key in the console. */
    certificate: CertificateId.optional(),
  }),
  plan: TlsDeployPlan,
  output: TlsDeployment,
});

export const tlsDeployments = query({
  name: 'tls.deployments',
  summary: 'The certificate deployments to a host (or every host), newest first',
  input: z.object({ host: HostName.optional(), limit: z.number().int().min(1).max(500).default(50) }),
  output: z.array(TlsDeployment),
});

/** How close a deployed certificate is to its end: warnings at 30, 14 and 7 days. */
export const TlsExpiryLevel = z.enum(['ok', 'within-30-days', 'within-14-days', 'within-7-days', 'expired', 'none']);
export type TlsExpiryLevel = z.infer<typeof TlsExpiryLevel>;

export const TlsHostStatus = z.object({
  host: HostName,
  site: SiteName,
  mailNames: z.array(z.string()),
  /** The last verified deployment: what the host serves as far as the console knows. */
  deployed: TlsDeployment.nullable(),
  /** Whole days until notAfter (negative once expired); null without a deployment. */
  daysLeft: z.number().int().nullable(),
  level: TlsExpiryLevel,
  /** A deployment that did not finish (the console stopped while it ran): deploy again to finish or roll back. */
  interrupted: TlsDeployment.nullable(),
  /** The newest certificate kept for the host that is not deployed yet. */
  pending: z.object({ id: CertificateId, fingerprintSha256: z.string(), notAfter: Timestamp }).nullable(),
});
export type TlsHostStatus = z.infer<typeof TlsHostStatus>;

export const tlsStatus = query({
  name: 'tls.status',
  summary: 'Every host’s deployed certificate and how long it has left (warnings at 30, 14 and 7 days), without contacting any',
  input: z.object({ site: SiteName.optional() }),
  output: z.object({ asOf: Timestamp, hosts: z.array(TlsHostStatus) }),
});
