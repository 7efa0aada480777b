import { isIPv4 } from 'node:net';

/**
 * Whether a host names this machine only: a URL's hostname (`new URL(...).hostname`, IPv6 in brackets) or a listen
 * address (IPv6 bare). Plain http and unauthenticated listeners are allowed on loopback alone, so every such check
 * asks this one question. A URL's parser has already written 127.1, 0x7f.0.0.1 and 2130706433 as 127.0.0.1.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return bare === 'localhost' || bare === '::1' || (isIPv4(bare) && bare.startsWith('127.'));
}
