import type { Progress } from '../../shared/contract';
import { safeText } from './output';

/**
 * Progress on stderr, so stdout stays the result: one line rewritten in place on a terminal; on a pipe or a log file
 * a line when a step starts or completes and at most one every five seconds between, so a long upload does not flood it.
 */
export function progressPrinter(): { show: (p: Progress) => void; end: () => void } {
  const tty = process.stderr.isTTY === true;
  let lastStep = '';
  let lastLine = 0;
  let open = false;
  return {
    show(p) {
      const percent = p.total ? Math.floor((p.done / p.total) * 100) : null;
      const bar = percent === null ? '' : `[${'#'.repeat(Math.floor(percent / 5)).padEnd(20, '.')}] ${String(percent).padStart(3)}% `;
      const line = `${bar}${safeText(p.message)}`;
      if (tty) {
        const width = process.stderr.columns || 100;
        process.stderr.write(`\r${line.slice(0, width - 1).padEnd(width - 1)}`);
        open = true;
        return;
      }
      const now = Date.now();
      const complete = p.total !== null && p.done === p.total;
      if (p.step === lastStep && !complete && now - lastLine < 5000) return;
      lastStep = p.step;
      lastLine = now;
      process.stderr.write(`${line}\n`);
    },
    end() {
      if (open) process.stderr.write('\n');
      open = false;
    },
  };
}
