import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CopperError } from '../../../shared/contract';
import {
  applyBlocker,
  applyErrorHint,
  bundleVersionOf,
  checkTarget,
  durationText,
  imageLabel,
  planCounts,
  progressPercent,
  restoredText,
  rollbackReport,
  shortKeyId,
  sizeText,
} from '../../../renderer/features/provision/provision-format';
import { hostHref, hostProvisionHref, parseLocation } from '../../../renderer/router';

test('shows the bundle version a container was provisioned from, and a dash for one the console did not create', () => {
  assert.equal(bundleVersionOf({ labels: { 'copper.provision.version': '1.0.0-lab' } }), '1.0.0-lab');
  assert.equal(bundleVersionOf({ labels: { 'copper.provision.version': '  ' } }), '—');
  assert.equal(bundleVersionOf({ labels: { 'com.example': 'x' } }), '—');
});

test('shortens an image the engine lists by its digest, and leaves a named one whole', () => {
  assert.equal(imageLabel(`sha256:${'d530be1f'.repeat(8)}`), 'sha256:d530be1fd530…');
  assert.equal(imageLabel('copper-lab/busybox:1'), 'copper-lab/busybox:1');
  assert.equal(imageLabel('sha256:short'), 'sha256:short');
});

test('sums a plan up in one line, in the order apply works, leaving out actions nobody takes', () => {
  assert.equal(planCounts([{ action: 'create' }, { action: 'create' }]), '2 to create');
  assert.equal(planCounts([{ action: 'keep' }, { action: 'replace' }, { action: 'start' }, { action: 'keep' }]), '1 to replace, 1 to start, 2 kept');
  assert.equal(planCounts([]), 'No services');
});

test('blocks apply while images are missing (naming the fix) or when there is nothing to do', () => {
  const image = { reference: 'copper-lab/copper:1.0.0', id: `sha256:${'a'.repeat(64)}` };
  assert.equal(
    applyBlocker({ missingImages: [image], unchanged: false, leftovers: [] }),
    '1 image of the bundle is not on the host: push the bundle to the host first, then plan again.',
  );
  assert.match(applyBlocker({ missingImages: [image, image], unchanged: false, leftovers: [] }) ?? '', /^2 images of the bundle are not/);
  assert.equal(applyBlocker({ missingImages: [], unchanged: true, leftovers: [] }), 'Everything already runs as the bundle asks: nothing to apply.');
  // Leftovers of an interrupted apply are work to do even when every service is kept.
  assert.equal(applyBlocker({ missingImages: [], unchanged: true, leftovers: ['copper-mail-previous'] }), null);
  assert.equal(applyBlocker({ missingImages: [], unchanged: false, leftovers: [] }), null);
});

test('reads a rollback from the error’s details defensively, whatever their shape', () => {
  const full = new CopperError('PROVISION_ROLLED_BACK', 'Provisioning copper 1.0.1-lab on mx failed at mail: never healthy.', {
    host: 'mx',
    failedService: 'mail',
    reason: 'copper-mail never became healthy within 60 s',
    restored: ['copper-mail', 42, null],
    steps: ['created copper-mail', { at: '2026-01-01T00:00:00Z', text: 'rolled back copper-mail' }, { message: 'done' }, 7],
  });
  assert.deepEqual(rollbackReport(full), {
    message: 'Provisioning copper 1.0.1-lab on mx failed at mail: never healthy.',
    failedService: 'mail',
    reason: 'copper-mail never became healthy within 60 s',
    restored: ['copper-mail'],
    steps: ['created copper-mail', '2026-01-01T00:00:00Z rolled back copper-mail', 'done'],
  });
  assert.deepEqual(rollbackReport(new CopperError('PROVISION_ROLLED_BACK', 'failed', null)), {
    message: 'failed',
    failedService: null,
    reason: null,
    restored: null,
    steps: [],
  });
  assert.deepEqual(rollbackReport(new CopperError('PROVISION_ROLLED_BACK', 'failed', { failedService: 3, restored: 'x', steps: {} }))?.failedService, null);
  assert.equal(rollbackReport(new CopperError('PROVISION_IMAGES_MISSING', 'push first')), null);
  assert.equal(rollbackReport(new Error('boom')), null);
  assert.equal(rollbackReport(null), null);
});

test('says what the rollback brought back, and that nothing needed it on a first apply', () => {
  assert.equal(restoredText(['copper-mail', 'copper-openldap']), 'The previous containers run again: copper-mail, copper-openldap.');
  assert.match(restoredText([]), /^Nothing of the stack ran before this apply/);
  assert.equal(restoredText(null), 'The previous containers run again.');
});

test('names the next step for the apply errors that have one', () => {
  assert.match(applyErrorHint(new CopperError('PROVISION_IMAGES_MISSING', 'x')) ?? '', /^Push the bundle to the host/);
  assert.match(applyErrorHint(new CopperError('PROVISION_NO_BUNDLE', 'x')) ?? '', /push it to the host first/);
  assert.match(applyErrorHint(new CopperError('PROVISION_ROLLBACK_FAILED', 'x')) ?? '', /apply again to converge/);
  assert.equal(applyErrorHint(new CopperError('HOST_UNREACHABLE', 'x')), null);
  assert.equal(applyErrorHint(null), null);
});

test('formats checks, durations, progress, sizes and key IDs for people', () => {
  assert.equal(checkTarget({ kind: 'smtp', address: '127.0.0.1', port: 3025 }), 'SMTP banner 127.0.0.1:3025');
  assert.equal(checkTarget({ kind: 'ldap-bind', address: '::1', port: 3390 }), 'LDAP bind [::1]:3390');
  assert.equal(durationText(850), '850 ms');
  assert.equal(durationText(12_400), '12.4 s');
  assert.equal(durationText(125_000), '2 min 5 s');
  assert.equal(durationText(-1), '—');
  assert.equal(progressPercent({ done: 3, total: 7 }), 43);
  assert.equal(progressPercent({ done: 9, total: 7 }), 100);
  assert.equal(progressPercent({ done: 3, total: null }), null);
  assert.equal(progressPercent({ done: 0, total: 0 }), null);
  assert.equal(progressPercent(null), null);
  assert.equal(sizeText(512), '512 B');
  assert.equal(sizeText(1536), '1.5 KiB');
  assert.equal(sizeText(5 * 1024 * 1024), '5.0 MiB');
  assert.equal(shortKeyId(`SHA256:${'A'.repeat(43)}`), `SHA256:${'A'.repeat(12)}…`);
  assert.equal(shortKeyId('short'), 'short');
});

test('a host’s provisioning page is one of the host’s views, and anything else stays the overview', () => {
  assert.deepEqual(parseLocation(hostProvisionHref('mx 1/a')), { route: 'hosts', host: 'mx 1/a', hostView: 'provision' });
  assert.deepEqual(parseLocation('#/hosts/mx1/provision?x=1'), { route: 'hosts', host: 'mx1', hostView: 'provision' });
  assert.equal(parseLocation(hostHref('mx1')).hostView, 'overview');
  assert.equal(parseLocation('#/hosts/mx1/unknown').hostView, 'overview');
  assert.deepEqual(parseLocation('#/hosts//provision'), { route: 'hosts', host: null, hostView: 'overview' });
});
