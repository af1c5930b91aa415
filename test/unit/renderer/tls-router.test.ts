import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLocation, parseTlsHost, tlsHostHref } from '../../../renderer/router';

test('the TLS page is in the navigation, and a host’s certificates round-trip their address', () => {
  assert.deepEqual(parseLocation('#/tls'), { route: 'tls', host: null, hostView: 'overview' });
  assert.deepEqual(parseLocation(tlsHostHref('mx1')), { route: 'tls', host: null, hostView: 'overview' });
  assert.equal(parseTlsHost(tlsHostHref('mx 1/a')), 'mx 1/a');
  assert.equal(parseTlsHost('#/tls/mx1?x=1'), 'mx1');
});

test('anything else is the fleet’s expiry table, or no TLS page at all', () => {
  assert.equal(parseTlsHost('#/tls'), null);
  assert.equal(parseTlsHost('#/tls/'), null);
  assert.equal(parseTlsHost('#/tls/%E0%A4%A'), null);
  assert.equal(parseTlsHost('#/hosts/mx1'), null);
});
