export interface SignatureSeen {
  domain: string;
  selector: string;
  algorithm: string;
}

/**
 * The DKIM-Signature headers of a message (as rspamc --mime prints it): only the d=, s= and a= tags, read from the
 * unfolded header. Everything else in the message is ignored.
 */
export function signaturesIn(message: string): SignatureSeen[] {
  const head = message.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const found: SignatureSeen[] = [];
  for (const line of unfolded.split(/\r?\n/)) {
    const match = /^dkim-signature:(.*)$/i.exec(line);
    if (!match?.[1]) continue;
    const tags = new Map<string, string>();
    for (const part of match[1].split(';')) {
      const at = part.indexOf('=');
      if (at > 0) tags.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).replace(/\s+/g, ''));
    }
    found.push({ domain: (tags.get('d') ?? '').toLowerCase(), selector: (tags.get('s') ?? '').toLowerCase(), algorithm: tags.get('a') ?? '' });
  }
  return found;
}
