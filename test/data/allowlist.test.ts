import { isSameBase, isServerAllowed, isWithinBase } from '../../src/data/allowlist.js';
import { runBounded } from '../support/bounded.js';

describe('FHIR server allowlist', () => {
  const policy = { allowlist: ['http://allowed.example/fhir', 'https://ehr.example:8443/'], production: true };

  it.each([
    'http://allowed.example/fhir',
    'http://allowed.example/fhir/',
    'http://allowed.example/fhir/R4',
    'http://ALLOWED.example/fhir',
    'http://allowed.example:80/fhir',
    'https://ehr.example:8443/any/path',
  ])('allows %s', (url) => {
    expect(isServerAllowed(url, policy)).toBe(true);
  });

  it.each([
    ['a look-alike host', 'http://allowed.example.evil.test/fhir'],
    ['user info naming the allowed host', 'http://allowed.example@other.host/fhir'],
    ['credentials on the allowed host', 'http://user:pw@allowed.example/fhir'],
    ['another port', 'http://allowed.example:81/fhir'],
    ['another scheme', 'https://allowed.example/fhir'],
    ['a path that only starts with the same characters', 'http://allowed.example/fhir-other'],
    ['the parent path', 'http://allowed.example/'],
    ['a path escaping with dot segments', 'http://allowed.example/fhir/../admin'],
    ['a query string', 'http://allowed.example/fhir?_format=xml'],
    ['a fragment', 'http://allowed.example/fhir#x'],
    ['the default port of another scheme', 'https://ehr.example/fhir'],
    ['not a URL', 'allowed.example/fhir'],
    ['a file URL', 'file:///etc/passwd'],
  ])('refuses %s', (_name, url) => {
    expect(isServerAllowed(url, policy)).toBe(false);
  });

  it('allows loopback servers only outside production when the allowlist is unset', () => {
    for (const url of ['http://127.0.0.1:8090/fhir', 'http://localhost:8090/fhir', 'http://[::1]:8090/fhir', 'http://127.1.2.3/fhir']) {
      expect(isServerAllowed(url, { production: false })).toBe(true);
      expect(isServerAllowed(url, { production: true })).toBe(false);
    }
    for (const url of ['http://127.0.0.1.evil.test/fhir', 'http://localhost.evil.test/fhir', 'http://10.0.0.1/fhir', 'http://fhir.test/r4']) {
      expect(isServerAllowed(url, { production: false })).toBe(false);
    }
  });

  it('an empty allowlist allows nothing', () => {
    expect(isServerAllowed('http://127.0.0.1/fhir', { allowlist: [], production: false })).toBe(false);
  });
});

describe('next-page links stay under the base', () => {
  const base = 'http://fhir.test/r4';
  it.each(['http://fhir.test/r4?_getpages=x', 'http://fhir.test/r4/Condition?page=2', 'http://fhir.test:80/r4/x'])('accepts %s', (url) => {
    expect(isWithinBase(url, base)).toBe(true);
  });
  it.each([
    'http://fhir.test/r40/x',
    'http://fhir.test/other',
    'https://fhir.test/r4/x',
    'http://fhir.test.evil/r4/x',
    'http://fhir.test@evil.example/r4/x',
    'http://a:b@fhir.test/r4/x',
    'http://fhir.test:8080/r4/x',
  ])('refuses %s', (url) => {
    expect(isWithinBase(url, base)).toBe(false);
  });
});

describe('a hook\'s fhirServer of a million slashes', () => {
  it('is judged in time linear in its length (a trailing-slash pattern took minutes on the HTTP thread)', () => {
    const url = `https://fhir.example/r4${'/'.repeat(1_000_000)}x`;
    // Under the allowlisted base, as any path below it is; the time is what is tested.
    expect(runBounded(() => isServerAllowed(url, { allowlist: ['https://fhir.example/r4'], production: true }))).toBe(true);
    expect(runBounded(() => isWithinBase(`${url}/Condition?page=2`, url))).toBe(true);
    expect(runBounded(() => isSameBase(`${url}/`, url))).toBe(true);
  });
});
