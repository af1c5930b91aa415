import { z } from 'zod';

const nameRule = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const nameMessage = 'Use 1–63 letters, digits, dots, dashes or underscores, starting with a letter or digit.';

export const SiteName = z.string().trim().regex(nameRule, nameMessage);
export const HostName = z.string().trim().regex(nameRule, nameMessage);

export const DomainName = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/,
    'Enter a mail domain such as example.org.',
  );

const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const ipv6 = /^[0-9a-fA-F:]*:[0-9a-fA-F:.]*$/;

/** An internal DNS resolver: IPv4[:port], or [IPv6]:port, or a bare IPv6 address. Never a host name: resolvers must not need DNS. */
export const ResolverAddress = z
  .string()
  .trim()
  .refine((value) => {
    const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(value);
    if (bracketed) return ipv6.test(bracketed[1] ?? '') && validPort(bracketed[2]);
    if (ipv6.test(value) && value.split(':').length > 2) return true;
    const [address, port, extra] = value.split(':');
    return extra === undefined && ipv4.test(address ?? '') && validPort(port);
  }, 'Enter the resolver as an IP address with an optional port, e.g. 10.0.0.53 or 10.0.0.53:5353.');

function validPort(port: string | undefined): boolean {
  if (port === undefined) return true;
  const n = Number(port);
  return /^\d+$/.test(port) && n >= 1 && n <= 65535;
}

export const Port = z.number().int().min(1).max(65535);

/** SHA256 host-key fingerprint exactly as `ssh-keygen -lf` prints it. */
export const Fingerprint = z
  .string()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'A fingerprint looks like SHA256: followed by 43 characters, as ssh-keygen -lf prints it.');

export const Tag = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,31}$/, 'Tags are 1–32 letters, digits, dots, dashes, colons or underscores.');

export const Timestamp = z.string().describe('ISO 8601 time in UTC');

export const Empty = z.object({}).strict();
