import type { RspamdSettings } from '../../../shared/contract';

/** Absolute paths of the programs the console runs as root: sudo rules name programs by full path. */
export const PROGRAMS = { install: '/usr/bin/install', rm: '/usr/bin/rm', pkill: '/usr/bin/pkill', systemctl: '/usr/bin/systemctl' } as const;

/**
 * Where the console writes on a host. One key file per selector, named SELECTOR.DOMAIN.key (a selector is a single
 * label, so the name reads one way only); one small file per domain listing the selectors that sign, included by
 * dkim_signing.conf, so domains never overwrite each other's settings.
 */
export interface RspamdLayout {
  signingConf: string;
  domainDir: string;
  domainConf(domain: string): string;
  keyFile(selector: string, domain: string): string;
}

export function rspamdLayout(settings: RspamdSettings): RspamdLayout {
  const confDir = settings.localConfDir.replace(/\/+$/, '');
  const keyDir = settings.keyDir.replace(/\/+$/, '');
  const domainDir = `${confDir}/local.d/copper-dkim`;
  return {
    signingConf: `${confDir}/local.d/dkim_signing.conf`,
    domainDir,
    domainConf: (domain) => `${domainDir}/${domain}.conf`,
    keyFile: (selector, domain) => `${keyDir}/${selector}.${domain}.key`,
  };
}

/**
 * dkim_signing.conf. What must not change without thought: try_fallback = false (only the domains listed sign, never
 * with a default key or selector), use_esld = false (sign as the From domain itself, which is where the record is).
 */
export function signingConf(layout: RspamdLayout): string {
  return [
    '# Written by Copper Console. DKIM signing for the domains in local.d/copper-dkim/; edits here are overwritten.',
    'sign_local = true;',
    'sign_authenticated = true;',
    'use_domain = "header";',
    'use_esld = false;',
    'try_fallback = false;',
    'allow_username_mismatch = true;',
    'domain {',
    `  .include(try=true,glob=true,priority=1,duplicate=merge) "${layout.domainDir}/*.conf"`,
    '}',
    '',
  ].join('\n');
}

/** One domain's signing selectors, as the `domain` section of dkim_signing.conf takes them. */
export function domainConf(domain: string, selectors: ReadonlyArray<{ selector: string; path: string }>): string {
  const lines = selectors.map((s) => `    { path = "${s.path}"; selector = "${s.selector}"; },`);
  return [`# Written by Copper Console: DKIM selectors that sign for ${domain}. Edits are overwritten.`, `"${domain}" {`, '  selectors = [', ...lines, '  ];', '}', ''].join('\n');
}
