/**
 * Where a certificate goes on a mail server, and the exact programs that put it there. Every path and argument is fixed
 * here (nothing from operator input but the Dovecot and nginx configuration paths, which the contract restricts to
 * plain absolute paths), so an administrator can allow exactly these commands in sudoers, argument for argument, and
 * nothing else (scripts/lab/lib.sh `lab_tls_sudo_cmds` is such a list).
 *
 *   /etc/copper/tls/mail.crt        the chain, leaf first (0644)
 *   /etc/copper/tls/mail.key        its private key (0600, root): Postfix, Dovecot and nginx read it as root
 *   /etc/copper/tls/*.previous      the certificate and key as they were before the deployment now running
 *   /etc/copper/tls/dovecot.conf    included by Dovecot: ssl_cert and ssl_key
 *   /etc/copper/tls/nginx.conf      included in the reverse proxy's server block: ssl_certificate and ssl_certificate_key
 */
export const TLS_DIR = '/etc/copper/tls';
export const CHAIN_FILE = `${TLS_DIR}/mail.crt`;
export const KEY_FILE = `${TLS_DIR}/mail.key`;
export const DOVECOT_INCLUDE = `${TLS_DIR}/dovecot.conf`;
export const NGINX_INCLUDE = `${TLS_DIR}/nginx.conf`;
export const backupOf = (file: typeof CHAIN_FILE | typeof KEY_FILE): string => `${file}.previous`;

/** Postfix 3.4+: one setting names the key and then the chain, so key and certificate can never be half-switched. */
export const POSTFIX_CHAIN_FILES = `${KEY_FILE}, ${CHAIN_FILE}`;
/**
 * The Postfix settings a deployment may set, and restores on rollback. A non-empty smtpd_tls_chain_files makes Postfix
 * ignore the older smtpd_tls_cert_file/key_file, so those are left as they are.
 */
export const POSTFIX_SETTINGS = ['smtpd_tls_chain_files', 'smtpd_tls_security_level'] as const;
export type PostfixSetting = (typeof POSTFIX_SETTINGS)[number];

export const DOVECOT_INCLUDE_TEXT = `# Written by Copper Console: the certificate Dovecot serves. Edits are overwritten.\nssl_cert = <${CHAIN_FILE}\nssl_key = <${KEY_FILE}\n`;
export const NGINX_INCLUDE_TEXT = `# Written by Copper Console: the certificate the reverse proxy serves. Edits are overwritten.\nssl_certificate ${CHAIN_FILE};\nssl_certificate_key ${KEY_FILE};\n`;

// Programs by absolute path: sudo rules name programs by full path, and a non-root login's PATH often lacks /usr/sbin.
const INSTALL = '/usr/bin/install';
const CP = '/usr/bin/cp';
const POSTCONF = '/usr/sbin/postconf';
const POSTFIX = '/usr/sbin/postfix';
const DOVEADM = '/usr/bin/doveadm';
const NGINX = '/usr/sbin/nginx';

/**
 * `install` creates the file with its final owner and mode before writing a byte, so the key is never readable by
 * anyone else, not even for a moment; the content comes on standard input, never on a command line.
 */
export const writeFileArgv = (file: string, mode: '0600' | '0644'): string[] => [INSTALL, '-m', mode, '-o', 'root', '-g', 'root', '/dev/stdin', file];
export const makeDirectoryArgv = (): string[] => [INSTALL, '-d', '-m', '0755', '-o', 'root', '-g', 'root', TLS_DIR];
/** -p keeps the mode (0600 for the key) and owner of the copy. */
export const copyArgv = (from: string, to: string): string[] => [CP, '-p', '-f', from, to];

/** Reads without root: the directory and the chain are world-readable; the key is only tested for presence. */
export const READ_STATE_SCRIPT = `for f in "$@"; do if [ -e "$f" ]; then echo "present $f"; else echo "absent $f"; fi; done`;
export const readStateArgv = (): string[] => ['sh', '-c', READ_STATE_SCRIPT, 'copper-tls-state', CHAIN_FILE, KEY_FILE, backupOf(CHAIN_FILE), backupOf(KEY_FILE), DOVECOT_INCLUDE, NGINX_INCLUDE];
export const catArgv = (file: string): string[] => ['cat', '--', file];

/** The values in effect (defaults included). */
export const postconfEffectiveArgv = (): string[] => [POSTCONF, ...POSTFIX_SETTINGS];
/** Only the settings main.cf sets itself: a rollback removes again what was not there. */
export const postconfExplicitArgv = (): string[] => [POSTCONF, '-n', ...POSTFIX_SETTINGS];
/** One name=value per argument: postconf takes each whole, nothing is parsed by a shell. */
export const postconfSetArgv = (settings: Partial<Record<PostfixSetting, string>>): string[] => [POSTCONF, '-e', ...Object.entries(settings).map(([name, value]) => `${name}=${value}`)];
export const postconfRemoveArgv = (names: PostfixSetting[]): string[] => [POSTCONF, '-X', ...names];
export const postfixReloadArgv = (): string[] => [POSTFIX, 'reload'];
export const dovecotReloadArgv = (config: string): string[] => [DOVEADM, '-c', config, 'reload'];
export const nginxTestArgv = (config: string): string[] => [NGINX, '-t', '-q', '-c', config];
export const nginxReloadArgv = (config: string): string[] => [NGINX, '-s', 'reload', '-c', config];

/** Parses READ_STATE_SCRIPT's output: which of the layout's files exist. */
export function parseState(stdout: string): Set<string> {
  const present = new Set<string>();
  for (const line of stdout.split('\n')) {
    const match = /^present (\/[A-Za-z0-9._/-]+)$/.exec(line.trim());
    if (match?.[1]) present.add(match[1]);
  }
  return present;
}

/** postconf prints "name = value" per setting (only the explicit ones with -n). */
export function parsePostconfValues(stdout: string): Partial<Record<PostfixSetting, string>> {
  const values: Partial<Record<PostfixSetting, string>> = {};
  for (const line of stdout.split('\n')) {
    const match = /^([a-z_]+) = ?(.*)$/.exec(line.trim());
    const name = match?.[1] as PostfixSetting | undefined;
    if (name && (POSTFIX_SETTINGS as readonly string[]).includes(name)) values[name] = (match?.[2] ?? '').trim();
  }
  return values;
}
