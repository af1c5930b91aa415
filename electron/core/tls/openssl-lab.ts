import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * For tests only: OpenSSL as the independent party. It plays the organisation's CA (making the fixtures, so none is
 * typed by hand) and checks what the console produced (`openssl verify`, `openssl req -verify`).
 */
export class OpensslLab {
  readonly dir = mkdtempSync(join(tmpdir(), 'copper-tls-'));

  /** Runs openssl with argv (never a shell string) in the lab folder; throws with stderr when it fails. */
  run(args: string[], input?: string | Buffer): string {
    return execFileSync('openssl', args, { cwd: this.dir, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  }

  /** Runs openssl and returns its exit status and both outputs, for checks that expect a refusal. */
  attempt(args: string[]): { status: number; output: string } {
    try {
      const stdout = execFileSync('openssl', args, { cwd: this.dir, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
      return { status: 0, output: stdout };
    } catch (error) {
      const e = error as { status?: number; stdout?: string; stderr?: string };
      return { status: e.status ?? 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
  }

  write(name: string, content: string | Uint8Array): string {
    writeFileSync(join(this.dir, name), content);
    return name;
  }

  read(name: string): string {
    return readFileSync(join(this.dir, name), 'utf8');
  }

  bytes(name: string): Buffer {
    return readFileSync(join(this.dir, name));
  }

  /** A new key: EC P-256 unless `rsa` bits are given. Written as PKCS#8 PEM. */
  key(name: string, rsa?: number): string {
    if (rsa) this.run(['genpkey', '-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${rsa}`, '-out', `${name}.key`]);
    else this.run(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`]);
    return `${name}.key`;
  }

  /** A self-signed root CA. */
  root(name: string, subject: string, days = 3650): void {
    this.key(name);
    this.run(['req', '-x509', '-new', '-key', `${name}.key`, '-out', `${name}.pem`, '-subj', subject, '-days', String(days),
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  }

  /** A certificate for `name` (its key made here unless it exists), signed by the CA `issuer` with the given extensions. */
  issue(name: string, issuer: string, subject: string, extensions: string[], options: { days?: number; rsa?: number; digest?: string; keyExists?: boolean } = {}): void {
    if (!options.keyExists) this.key(name, options.rsa);
    this.run(['req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
    this.write(`${name}.ext`, `${extensions.join('\n')}\n`);
    this.run(['x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`, '-CAcreateserial', '-out', `${name}.pem`,
      '-days', String(options.days ?? 365), '-extfile', `${name}.ext`, `-${options.digest ?? 'sha256'}`]);
  }

  intermediate(name: string, issuer: string, subject: string): void {
    this.issue(name, issuer, subject, ['basicConstraints=critical,CA:TRUE,pathlen:0', 'keyUsage=critical,keyCertSign,cRLSign', 'subjectKeyIdentifier=hash', 'authorityKeyIdentifier=keyid']);
  }

  server(name: string, issuer: string, dnsNames: string[], options: { rsa?: number; digest?: string; extra?: string[]; keyUsage?: string; extendedKeyUsage?: string } = {}): void {
    this.issue(
      name,
      issuer,
      `/CN=${dnsNames[0] ?? name}`,
      [
        'basicConstraints=critical,CA:FALSE',
        `keyUsage=critical,${options.keyUsage ?? 'digitalSignature'}`,
        `extendedKeyUsage=${options.extendedKeyUsage ?? 'serverAuth'}`,
        `subjectAltName=${dnsNames.map((n) => `DNS:${n}`).join(',')}`,
        'subjectKeyIdentifier=hash',
        'authorityKeyIdentifier=keyid',
        ...(options.extra ?? []),
      ],
      options,
    );
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
