import { useEffect, useState } from 'react';

export const routes = ['sites', 'hosts', 'audit', 'settings'] as const;
export type Route = (typeof routes)[number];

/**
 * Hash routes (#/hosts): the desktop shell loads app://copper/index.html and the browser shell serves `/`, so the
 * path itself must never change.
 */
function parse(hash: string): Route {
  const name = hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? '';
  return (routes as readonly string[]).includes(name) ? (name as Route) : 'sites';
}

export const href = (route: Route) => `#/${route}`;

export function useRoute(): Route {
  const [route, setRoute] = useState<Route>(() => parse(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parse(location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
