/** A run of ordinary text, or one control character shown as a visible marker such as `\x1b`. */
export interface TextSegment {
  text: string;
  control: boolean;
}

/**
 * Characters a terminal would act on instead of showing: C0 controls but tab and newline, DEL, C1 controls, and the
 * Unicode direction overrides that can make a log line read differently from what it contains ("Trojan Source").
 */
function isControl(code: number): boolean {
  if (code === 0x09 || code === 0x0a) return false;
  return (
    code <= 0x1f ||
    (code >= 0x7f && code <= 0x9f) ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

export function controlMarker(code: number): string {
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Splits server output (container logs, unparsed command output) into plain text and visible markers for control
 * characters, so an ANSI escape shows as `\x1b[31m` instead of reaching the page as a raw escape.
 *
 * Must not change: callers render the segments as React text children, never as HTML. Nothing is stripped, so the
 * operator sees exactly what the server sent, markup included.
 */
export function visibleSegments(text: string): TextSegment[] {
  const segments: TextSegment[] = [];
  let start = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (!isControl(code)) continue;
    if (index > start) segments.push({ text: text.slice(start, index), control: false });
    segments.push({ text: controlMarker(code), control: true });
    start = index + 1;
  }
  if (start < text.length) segments.push({ text: text.slice(start), control: false });
  return segments;
}

/** The same, flattened into one string: for places that show plain text only (a <Code> block, a copy to the clipboard). */
export function visibleText(text: string): string {
  return visibleSegments(text)
    .map((segment) => segment.text)
    .join('');
}
