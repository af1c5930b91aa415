import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AGE_BUCKET_LABELS,
  ageBucketFilter,
  ageBucketWords,
  emptyFilterForm,
  filterToForm,
  formToFilter,
  parseSize,
  type FilterForm,
} from '../../../renderer/features/queue/filter-form';

const form = (fields: Partial<FilterForm>): FilterForm => ({ ...emptyFilterForm, ...fields });

test('an empty form is no filter at all', () => {
  assert.deepEqual(formToFilter(emptyFilterForm), { ok: true, filter: {} });
});

test('turns the filled form into the contract filter: trimmed patterns, seconds and bytes', () => {
  const result = formToFilter(
    form({ queues: ['deferred', 'hold'], sender: ' news@ ', domain: 'bigmail.example', olderThan: '30m', youngerThan: '2h', minSize: '1K', maxSize: '1.5M' }),
  );
  assert.deepEqual(result, {
    ok: true,
    filter: {
      queues: ['deferred', 'hold'],
      sender: 'news@',
      domain: 'bigmail.example',
      olderThanSeconds: 1800,
      youngerThanSeconds: 7200,
      minSize: 1024,
      maxSize: 1_572_864,
    },
  });
});

test('names each wrong field instead of sending a filter that matches nothing', () => {
  const result = formToFilter(form({ olderThan: '2h', youngerThan: '1h', minSize: '10K', maxSize: '1K', reason: 'x'.repeat(300), sender: 'ok' }));
  assert.equal(result.ok, false);
  const errors = result.ok ? {} : result.errors;
  assert.deepEqual(Object.keys(errors).sort(), ['maxSize', 'reason', 'youngerThan']);
  assert.equal(formToFilter(form({ olderThan: '30' })).ok, false);
  assert.equal(formToFilter(form({ minSize: 'big' })).ok, false);
});

test('reads sizes in binary units, as the console shows them', () => {
  const bytes = (text: string) => {
    const parsed = parseSize(text);
    return parsed.ok ? parsed.value : null;
  };
  assert.equal(bytes('500'), 500);
  assert.equal(bytes('500 B'), 500);
  assert.equal(bytes('20k'), 20_480);
  assert.equal(bytes('20 KiB'), 20_480);
  assert.equal(bytes('2GB'), 2 * 1024 ** 3);
  assert.equal(bytes('1.5M'), 1_572_864);
  assert.equal(bytes('-1'), null);
  assert.equal(bytes('1T'), null);
});

test('a filter goes into the form and back unchanged', () => {
  const filter = { queues: ['hold' as const], recipient: 'bob@', olderThanSeconds: 300, youngerThanSeconds: 600, minSize: 1000, maxSize: 20_480 };
  assert.deepEqual(formToFilter(filterToForm(filter)), { ok: true, filter });
});

test('age buckets become the age ranges qshape counts them in', () => {
  assert.equal(AGE_BUCKET_LABELS.length, 10);
  assert.equal(AGE_BUCKET_LABELS[0], '≤5m');
  assert.equal(AGE_BUCKET_LABELS[9], '>1280m');
  assert.deepEqual(ageBucketFilter(0), { youngerThanSeconds: 300 });
  assert.deepEqual(ageBucketFilter(1), { olderThanSeconds: 300, youngerThanSeconds: 600 });
  assert.deepEqual(ageBucketFilter(9), { olderThanSeconds: 76_800 });
  assert.equal(ageBucketWords(1), 'aged 5–10 min');
  assert.equal(ageBucketWords(9), 'older than 1280 min');
});
