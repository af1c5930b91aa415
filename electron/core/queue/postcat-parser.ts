/** What `postcat -q ID` printed, split into its parts. Every value is server text: shown as text, never interpreted. */
export interface PostcatMessage {
  queueFile: string | null;
  envelope: Array<{ name: string; value: string }>;
  headers: Array<{ name: string; value: string }>;
  bodyPreview: string;
  bodyTruncated: boolean;
}

export const BODY_PREVIEW_CHARS = 64 * 1024;
const MAX_HEADERS = 500;
const MAX_ENVELOPE_RECORDS = 2000;

const SECTION = /^\*\*\* (ENVELOPE RECORDS|MESSAGE CONTENTS|HEADER EXTRACTED|MESSAGE FILE END) (\S+) \*\*\*$/;

/**
 * Postcat prints sections between `*** NAME queue/file ***` lines. The message contents are headers up to the first
 * empty line, then the body; continuation lines (starting with a space or tab) belong to the header above.
 * `outputTruncated` says the program's output was cut at the byte limit, so the body is a preview either way.
 */
export function parsePostcat(output: string, outputTruncated: boolean): PostcatMessage {
  const result: PostcatMessage = { queueFile: null, envelope: [], headers: [], bodyPreview: '', bodyTruncated: outputTruncated };
  let section: string | null = null;
  let inBody = false;
  const body: string[] = [];
  let bodyChars = 0;
  for (const line of output.split('\n')) {
    const marker = SECTION.exec(line);
    if (marker) {
      section = marker[1] ?? null;
      result.queueFile ??= marker[2] ?? null;
      inBody = false;
      continue;
    }
    if (section === 'ENVELOPE RECORDS' || section === 'HEADER EXTRACTED') {
      const colon = line.indexOf(':');
      if (colon > 0 && result.envelope.length < MAX_ENVELOPE_RECORDS) {
        result.envelope.push({ name: line.slice(0, colon), value: line.slice(colon + 1).trim() });
      }
    } else if (section === 'MESSAGE CONTENTS') {
      if (inBody) {
        if (bodyChars < BODY_PREVIEW_CHARS) {
          body.push(line);
          bodyChars += line.length + 1;
        } else {
          result.bodyTruncated = true;
        }
      } else if (line === '') {
        inBody = true;
      } else if (/^[ \t]/.test(line) && result.headers.length > 0) {
        const last = result.headers[result.headers.length - 1];
        if (last) last.value += `\n${line}`;
      } else if (result.headers.length < MAX_HEADERS) {
        const colon = line.indexOf(':');
        result.headers.push(colon > 0 ? { name: line.slice(0, colon), value: line.slice(colon + 1).trimStart() } : { name: '', value: line });
      }
    }
  }
  const joined = body.join('\n');
  result.bodyPreview = joined.length > BODY_PREVIEW_CHARS ? joined.slice(0, BODY_PREVIEW_CHARS) : joined;
  if (joined.length > BODY_PREVIEW_CHARS) result.bodyTruncated = true;
  return result;
}
