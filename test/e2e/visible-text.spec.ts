import assert from 'node:assert/strict';
import { test } from 'node:test';
import { visibleSegments, visibleText } from '../../renderer/features/fleet/visible-text';

test('shows an ANSI escape as a visible \\x1b marker and keeps the rest verbatim', () => {
  assert.equal(visibleText('\u001b[31mred <script>x</script>\u001b[0m'), '\\x1b[31mred <script>x</script>\\x1b[0m');
  assert.deepEqual(visibleSegments('a\u001bb'), [
    { text: 'a', control: false },
    { text: '\\x1b', control: true },
    { text: 'b', control: false },
  ]);
});

test('keeps tabs and newlines, marks carriage returns, NUL, DEL, C1 controls and direction overrides', () => {
  assert.equal(visibleText('a\tb\nc'), 'a\tb\nc');
  assert.equal(visibleText('progress\r100%'), 'progress\\x0d100%');
  assert.equal(visibleText('\u0000\u007f\u009b'), '\\x00\\x7f\\x9b');
  assert.equal(visibleText('user\u202Eexe.txt'), 'user\\u202eexe.txt');
});

test('leaves ordinary text, accents and emoji alone', () => {
  assert.deepEqual(visibleSegments('Déjà vu ✓ 📬'), [{ text: 'Déjà vu ✓ 📬', control: false }]);
  assert.deepEqual(visibleSegments(''), []);
});
