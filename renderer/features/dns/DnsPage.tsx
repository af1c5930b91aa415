import { useEffect, useState } from 'react';
import { parseDnsDomain } from '../../router';
import { DomainDnsPage } from './DomainDnsPage';
import { DomainsOverview } from './DomainsOverview';

/** The DNS page: every mail domain (#/dns), or one domain's records (#/dns/example.org). */
export function DnsPage() {
  const [domain, setDomain] = useState(() => parseDnsDomain(window.location.hash));
  useEffect(() => {
    const onChange = () => setDomain(parseDnsDomain(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return domain ? <DomainDnsPage key={domain} domain={domain} /> : <DomainsOverview />;
}
