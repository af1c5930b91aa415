import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_RSPAMD_SETTINGS } from '../../../shared/contract';
import { domainConf, rspamdLayout, signingConf } from './rspamd-layout';

test('places keys and per-domain files where Debian’s Rspamd reads them by default', () => {
  const layout = rspamdLayout(DEFAULT_RSPAMD_SETTINGS);
  assert.equal(layout.signingConf, '/etc/rspamd/local.d/dkim_signing.conf');
  assert.equal(layout.domainConf('example.org'), '/etc/rspamd/local.d/copper-dkim/example.org.conf');
  assert.equal(layout.keyFile('cu-2026-11', 'example.org'), '/var/lib/rspamd/dkim/cu-2026-11.example.org.key');
});

test('signs only the listed domains, as the From domain itself', () => {
  const text = signingConf(rspamdLayout(DEFAULT_RSPAMD_SETTINGS));
  assert.match(text, /^try_fallback = false;$/m);
  assert.match(text, /^use_esld = false;$/m);
  assert.match(text, /\.include\(try=true,glob=true,priority=1,duplicate=merge\) "\/etc\/rspamd\/local\.d\/copper-dkim\/\*\.conf"/);
});

test('lists every signing selector of a domain with its key file', () => {
  const text = domainConf('example.org', [
    { selector: 'cu-2026-11', path: '/k/cu-2026-11.example.org.key' },
    { selector: 'cu-2026-05', path: '/k/cu-2026-05.example.org.key' },
  ]);
  assert.match(text, /^"example\.org" \{$/m);
  assert.match(text, /\{ path = "\/k\/cu-2026-11\.example\.org\.key"; selector = "cu-2026-11"; \},\n {4}\{ path = "\/k\/cu-2026-05/);
});
