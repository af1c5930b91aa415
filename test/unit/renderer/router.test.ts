import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostHref, hostQueueHref, parseLocation } from '../../../renderer/router';

test('reads the pages of the navigation, the fleet queue page among them', () => {
  assert.deepEqual(parseLocation('#/queue'), { route: 'queue', host: null, hostView: 'overview' });
  assert.deepEqual(parseLocation('#/audit'), { route: 'audit', host: null, hostView: 'overview' });
  assert.deepEqual(parseLocation('#/hosts'), { route: 'hosts', host: null, hostView: 'overview' });
});

test('reads a host’s overview and its queue page, round-tripping the names it writes', () => {
  assert.deepEqual(parseLocation(hostHref('mx1')), { route: 'hosts', host: 'mx1', hostView: 'overview' });
  assert.deepEqual(parseLocation(hostQueueHref('mx1')), { route: 'hosts', host: 'mx1', hostView: 'queue' });
  assert.deepEqual(parseLocation(hostQueueHref('mx_1.site-a')), { route: 'hosts', host: 'mx_1.site-a', hostView: 'queue' });
  assert.deepEqual(parseLocation('#/hosts/mx1/queue?x=1'), { route: 'hosts', host: 'mx1', hostView: 'queue' });
});

test('lands on a real page for anything malformed', () => {
  const fleet = { route: 'fleet', host: null, hostView: 'overview' };
  for (const hash of ['', '#', '#/', '#/nonsense', '#/../../etc', '#/QUEUE', 'garbage', '#//queue']) {
    assert.deepEqual(parseLocation(hash), fleet, hash);
  }
  // A broken escape or an empty name shows the host list; an unknown host page shows the host's overview.
  assert.deepEqual(parseLocation('#/hosts/%E0%A4%A'), { route: 'hosts', host: null, hostView: 'overview' });
  assert.deepEqual(parseLocation('#/hosts//queue'), { route: 'hosts', host: null, hostView: 'overview' });
  assert.deepEqual(parseLocation('#/hosts/%20/queue'), { route: 'hosts', host: null, hostView: 'overview' });
  assert.deepEqual(parseLocation('#/hosts/mx1/logs'), { route: 'hosts', host: 'mx1', hostView: 'overview' });
  // The queue page belongs to hosts only: other pages ignore what follows them.
  assert.deepEqual(parseLocation('#/sites/mx1/queue'), { route: 'sites', host: null, hostView: 'overview' });
  assert.deepEqual(parseLocation('#/queue/mx1'), { route: 'queue', host: null, hostView: 'overview' });
});
