import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dnsDomainHref, parseDnsDomain, parseLocation } from '../../../renderer/router';

test('the DNS page is in the navigation, and its domain pages round-trip their address', () => {
  assert.deepEqual(parseLocation('#/dns'), { route: 'dns', host: null, hostView: 'overview' });
  assert.deepEqual(parseLocation(dnsDomainHref('example.org')), { route: 'dns', host: null, hostView: 'overview' });
  assert.equal(parseDnsDomain(dnsDomainHref('mail.example.org')), 'mail.example.org');
  assert.equal(parseDnsDomain('#/dns/Example.ORG?x=1'), 'example.org');
});

test('anything else is the domains overview, or no DNS page at all', () => {
  assert.equal(parseDnsDomain('#/dns'), null);
  assert.equal(parseDnsDomain('#/dns/'), null);
  assert.equal(parseDnsDomain('#/dns/%E0%A4%A'), null);
  assert.equal(parseDnsDomain('#/hosts/example.org'), null);
  assert.equal(parseDnsDomain(''), null);
});
