import { isIP } from 'node:net';
import { CopperError } from '../../../shared/contract';

/** Where a site's resolver listens. */
export interface ResolverEndpoint {
  host: string;
  port: number;
  family: 4 | 6;
  /** As the operator wrote it, for messages. */
  text: string;
}

const DNS_PORT = 53;

/**
 * Reads a site's resolver setting (`10.0.0.53`, `10.0.0.53:5353`, `[fd00::53]:53`, `fd00::53`). The contract already
 * validated it; this only splits it, and refuses anything that is not an IP literal, so no lookup ever happens
 * through the system resolver to find the resolver.
 */
export function parseResolverAddress(text: string): ResolverEndpoint {
  const value = text.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(value);
  let host: string;
  let port = DNS_PORT;
  if (bracketed) {
    host = bracketed[1] ?? '';
    if (bracketed[2] !== undefined) port = Number(bracketed[2]);
  } else if (isIP(value) === 6) {
    host = value;
  } else {
    const [address = '', portText] = value.split(':');
    host = address;
    if (portText !== undefined) port = Number(portText);
  }
  const family = isIP(host);
  if ((family !== 4 && family !== 6) || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new CopperError('INVALID_INPUT', `The resolver "${text}" is not an IP address with an optional port. Set it with: copper site edit SITE --resolver IP[:PORT]`);
  }
  return { host, port, family, text: value };
}
