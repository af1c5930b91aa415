import { spawnSync } from 'node:child_process';

/**
 * The independent verifier: dkimpy (Debian's python3-dkim, run by /usr/bin/python3, not any other Python on PATH),
 * looking keys up on the lab DNS server itself with dnspython — never through the console's DNS code.
 */
const VERIFY = `
import json, sys, dkim, dns.message, dns.query, dns.flags, dns.rdatatype
host, port = sys.argv[1], int(sys.argv[2])
def dnsfunc(name, timeout=5):
    if isinstance(name, bytes): name = name.decode()
    q = dns.message.make_query(name, 'TXT')
    r = dns.query.udp(q, host, port=port, timeout=timeout)
    if r.flags & dns.flags.TC: r = dns.query.tcp(q, host, port=port, timeout=timeout)
    for rrset in r.answer:
        if rrset.rdtype == dns.rdatatype.TXT:
            for rd in rrset: return b''.join(rd.strings)
    return None
msg = sys.stdin.buffer.read()
d = dkim.DKIM(msg)
sigs = [h for h in d.headers if h[0].lower() == b'dkim-signature']
out = []
for i in range(len(sigs)):
    tags = dkim.util.parse_tag_value(sigs[i][1])
    try: ok = bool(d.verify(idx=i, dnsfunc=dnsfunc))
    except Exception as e: ok = False
    out.append({'selector': tags.get(b's', b'').decode(), 'domain': tags.get(b'd', b'').decode(), 'algorithm': tags.get(b'a', b'').decode(), 'ok': ok})
print(json.dumps(out))
`;

export interface SignatureVerdict {
  selector: string;
  domain: string;
  algorithm: string;
  ok: boolean;
}

export function verifyDkim(message: Buffer, dns: { host: string; port: number }): SignatureVerdict[] {
  const run = spawnSync('/usr/bin/python3', ['-c', VERIFY, dns.host, String(dns.port)], { input: message, encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(`The DKIM verifier failed to run (is python3-dkim installed? bash scripts/lab/up.sh): ${run.stderr}`);
  return JSON.parse(run.stdout) as SignatureVerdict[];
}
