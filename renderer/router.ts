import { useEffect, useState } from 'react';

/** The pages of the navigation, in its order. The first is where the console opens. */
export const routes = ['fleet', 'sites', 'hosts', 'audit', 'settings'] as const;
export type Route = (typeof routes)[number];

/** Where the window is: a page of the navigation and, for a host's own page (#/hosts/mx1), the host's name. */
export interface Location {
  route: Route;
  host: string | null;
}

/**
 * Hash routes (#/hosts): the desktop shell loads app://copper/index.html and the browser shell serves `/`, so the
 * path itself must never change.
 */
export function parseLocation(hash: string): Location {
  const [name = '', detail] = hash.replace(/^#\/?/, '').split('?')[0]?.split('/') ?? [];
  const route = (routes as readonly string[]).includes(name) ? (name as Route) : routes[0];
  let host: string | null = null;
  if (route === 'hosts' && detail) {
    try {
      host = decodeURIComponent(detail);
    } catch {
      host = null; // A malformed address shows the host list rather than a page for a name nobody typed.
    }
  }
  return { route, host: host || null };
}

export const href = (route: Route) => `#/${route}`;

/** The address of a host's own page. */
export const hostHref = (name: string) => `#/hosts/${encodeURIComponent(name)}`;

export function useLocation(): Location {
  const [location, setLocation] = useState<Location>(() => parseLocation(window.location.hash));
  useEffect(() => {
    const onChange = () =>
      setLocation((current) => {
        const next = parseLocation(window.location.hash);
        return next.route === current.route && next.host === current.host ? current : next;
      });
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return location;
}
