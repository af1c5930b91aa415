import { useEffect, useState } from 'react';

/** The pages of the navigation, in its order. The first is where the console opens. */
export const routes = ['fleet', 'queue', 'dns', 'dkim', 'tls', 'sites', 'hosts', 'audit', 'settings'] as const;
export type Route = (typeof routes)[number];

/** The pages of one host: its overview (#/hosts/mx1), its mail queue (#/hosts/mx1/queue) and provisioning (#/hosts/mx1/provision). */
export const hostViews = ['overview', 'queue', 'provision'] as const;
export type HostView = (typeof hostViews)[number];

/**
 * Where the window is: a page of the navigation and, for a host's own pages, the host's name and which of its pages.
 * `hostView` is 'overview' whenever `host` is null.
 */
export interface Location {
  route: Route;
  host: string | null;
  hostView: HostView;
}

/**
 * Hash routes (#/hosts): the desktop shell loads app://copper/index.html and the browser shell serves `/`, so the
 * path itself must never change. Anything unexpected lands on a real page (the first page, a host list, a host's
 * overview) rather than an error: an address is typed, pasted and bookmarked by people.
 */
export function parseLocation(hash: string): Location {
  const path = hash.replace(/^#\/?/, '').split('?')[0] ?? '';
  const [name = '', detail, view] = path.split('/');
  const route = (routes as readonly string[]).includes(name) ? (name as Route) : routes[0];
  let host: string | null = null;
  if (route === 'hosts' && detail) {
    try {
      host = decodeURIComponent(detail).trim() || null;
    } catch {
      host = null; // A malformed address shows the host list rather than a page for a name nobody typed.
    }
  }
  const hostView: HostView = host !== null && (hostViews as readonly string[]).includes(view ?? '') ? (view as HostView) : 'overview';
  return { route, host, hostView };
}

export const href = (route: Route) => `#/${route}`;

/** The address of a host's own page. */
export const hostHref = (name: string) => `#/hosts/${encodeURIComponent(name)}`;

/** The address of a host's mail queue page. */
export const hostQueueHref = (name: string) => `#/hosts/${encodeURIComponent(name)}/queue`;

/** The address of a mail domain's DNS page (#/dns/example.org); the DNS page reads the domain with parseDnsDomain. */
export const dnsDomainHref = (domain: string) => `#/dns/${encodeURIComponent(domain)}`;

/** The domain of a DNS page address, or null for the domains overview (and for anything malformed). */
export function parseDnsDomain(hash: string): string | null {
  const [name, detail] = (hash.replace(/^#\/?/, '').split('?')[0] ?? '').split('/');
  if (name !== 'dns' || !detail) return null;
  try {
    return decodeURIComponent(detail).trim().toLowerCase() || null;
  } catch {
    return null;
  }
}

/** The address of a host's TLS certificates on the TLS page (#/tls/mx1); the page reads the host with parseTlsHost. */
export const tlsHostHref = (host: string) => `#/tls/${encodeURIComponent(host)}`;

/** The host of a TLS page address, or null for the fleet's expiry table alone (and for anything malformed). */
export function parseTlsHost(hash: string): string | null {
  const [name, detail] = (hash.replace(/^#\/?/, '').split('?')[0] ?? '').split('/');
  if (name !== 'tls' || !detail) return null;
  try {
    return decodeURIComponent(detail).trim() || null;
  } catch {
    return null;
  }
}

/** The address of a host's provisioning page. */
export const hostProvisionHref = (name: string) => `#/hosts/${encodeURIComponent(name)}/provision`;

const sameLocation = (a: Location, b: Location) => a.route === b.route && a.host === b.host && a.hostView === b.hostView;

export function useLocation(): Location {
  const [location, setLocation] = useState<Location>(() => parseLocation(window.location.hash));
  useEffect(() => {
    const onChange = () =>
      setLocation((current) => {
        const next = parseLocation(window.location.hash);
        return sameLocation(next, current) ? current : next;
      });
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return location;
}
