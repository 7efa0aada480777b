import { ConfigError, loadConfig, withBoundPort } from '../../src/config.js';

const PROD_URL = 'https://cds.example.org';

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('configuration accepted');
}

describe('configuration from the environment', () => {
  it('has working defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      NODE_ENV: 'development',
      PORT: 3000,
      HOST: '0.0.0.0',
      DATA_DIR: './data',
      FEEDBACK_WINDOW_HOURS: 168,
      LOG_LEVEL: 'info',
      FHIR_MAX_RESOURCES_PER_TYPE: 10_000,
      FHIR_MAX_RESPONSE_BYTES: 33_554_432,
      HOOK_DEADLINE_MS: 3000,
      CDS_AUTH: 'off',
      PUBLIC_BASE_URL: 'http://localhost:3000',
      EMBEDDED_FHIR: true,
      HEAP_GROWTH_PERCENT: 100,
    });
    expect(c.FHIR_SERVER_ALLOWLIST).toBeUndefined();
  });

  it('reads numbers, lists and URLs', () => {
    const c = loadConfig({
      PORT: '8080',
      FHIR_SERVER_ALLOWLIST: ' http://a.example/fhir , https://b.example:8443/r4 ',
      PUBLIC_BASE_URL: 'https://cds.example.org/',
      FHIR_MAX_RESOURCES_PER_TYPE: '500',
      FHIR_MAX_RESPONSE_BYTES: '1048576',
    });
    expect(c.PORT).toBe(8080);
    expect(c.FHIR_SERVER_ALLOWLIST).toEqual(['http://a.example/fhir', 'https://b.example:8443/r4']);
    expect(c.PUBLIC_BASE_URL).toBe('https://cds.example.org');
    expect(c.FHIR_MAX_RESOURCES_PER_TYPE).toBe(500);
    expect(c.FHIR_MAX_RESPONSE_BYTES).toBe(1_048_576);
  });

  it('takes HEAP_GROWTH_PERCENT=0 for V8\'s own heap growth', () => {
    expect(loadConfig({ HEAP_GROWTH_PERCENT: '0' }).HEAP_GROWTH_PERCENT).toBe(0);
  });

  it('refuses a variable of its own set to nothing, naming each, and ignores other empty variables', () => {
    expect(problemsOf({ NODE_ENV: '', FHIR_SERVER_ALLOWLIST: ' ', SOME_OTHER_TOOL: '' })).toEqual([
      'NODE_ENV: is set but empty; give it a value or unset it',
      'FHIR_SERVER_ALLOWLIST: is set but empty; give it a value or unset it',
    ]);
    expect(loadConfig({ SOME_OTHER_TOOL: '', PORT: undefined }).PORT).toBe(3000);
  });

  it('keeps a given PUBLIC_BASE_URL whatever port is bound; a default one follows the bound port', () => {
    const given = loadConfig({ PORT: '0', PUBLIC_BASE_URL: 'https://cds.example.org/spine/' });
    expect(withBoundPort(given, 41234).PUBLIC_BASE_URL).toBe('https://cds.example.org/spine');
    expect(withBoundPort(loadConfig({ PORT: '0' }), 41234).PUBLIC_BASE_URL).toBe('http://localhost:41234');
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['NODE_ENV', 'staging'],
    ['LOG_LEVEL', 'verbose'],
    ['FHIR_SERVER_ALLOWLIST', 'not a url'],
    ['FHIR_SERVER_ALLOWLIST', 'http://ok.example/fhir,ftp://files.example/'],
    ['PUBLIC_BASE_URL', 'cds.example.org'],
    ['FHIR_MAX_RESOURCES_PER_TYPE', '0'],
    ['FHIR_MAX_RESPONSE_BYTES', '0'],
    ['FHIR_MAX_RESPONSE_BYTES', '32MB'],
    ['FHIR_MAX_RESPONSE_BYTES', '1e6'],
    ['HOOK_DEADLINE_MS', '10'],
    ['FEEDBACK_WINDOW_HOURS', '0'],
    ['FEEDBACK_WINDOW_HOURS', '48h'],
    ['FHIR_REQUEST_TIMEOUT_MS', 'soon'],
    ['MAX_BODY_BYTES', '10'],
    ['BODY_TIMEOUT_MS', '5'],
    ['BODY_TIMEOUT_MS', 'ten seconds'],
    ['CDS_AUTH', 'maybe'],
    ['CDS_AUTH_EXTRA_ALGS', 'HS256'],
    ['EMBEDDED_FHIR', 'yes'],
    ['EMBEDDED_FHIR_PORT', '99999'],
    ['HEAP_GROWTH_PERCENT', '50%'],
    ['HEAP_GROWTH_PERCENT', '5000'],
  ])('names %s when it is %j', (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.startsWith(`${name}`))).toBe(true);
  });

  it.each([
    ['FHIR_SERVER_ALLOWLIST', ',', 'entries 1, 2 are empty (of 2)'],
    ['FHIR_SERVER_ALLOWLIST', ' , ', 'entries 1, 2 are empty (of 2)'],
    ['FHIR_SERVER_ALLOWLIST', 'http://a.example/fhir,,http://b.example/fhir', 'entry 2 is empty (of 3)'],
    ['FHIR_SERVER_ALLOWLIST', ',http://a.example/fhir', 'entry 1 is empty (of 2)'],
    ['FHIR_SERVER_ALLOWLIST', 'http://a.example/fhir,', 'entry 2 is empty (of 2)'],
    ['CDS_AUTH_EXTRA_ALGS', ',', 'entries 1, 2 are empty (of 2)'],
    ['CDS_AUTH_EXTRA_ALGS', 'ES256,,RS256', 'entry 2 is empty (of 3)'],
    ['CDS_AUTH_EXTRA_ALGS', 'ES256, ', 'entry 2 is empty (of 2)'],
  ])('refuses %s=%j, naming the empty entry: never read as a shorter (or empty) list', (name, value, which) => {
    for (const env of [{}, { NODE_ENV: 'production', PUBLIC_BASE_URL: PROD_URL, CDS_TRUSTED_CLIENTS: 'clients.json' }]) {
      expect(problemsOf({ ...env, [name]: value })).toEqual([`${name}: ${which}: separate entries with single commas, none before the first or after the last`]);
    }
  });

  it('reads lists of one entry and of several, spaces around the commas allowed', () => {
    expect(loadConfig({ CDS_AUTH_EXTRA_ALGS: 'ES256' }).CDS_AUTH_EXTRA_ALGS).toEqual(['ES256']);
    expect(loadConfig({ CDS_AUTH_EXTRA_ALGS: ' ES256 , RS256 ' }).CDS_AUTH_EXTRA_ALGS).toEqual(['ES256', 'RS256']);
    expect(loadConfig({ FHIR_SERVER_ALLOWLIST: 'http://127.0.0.1:8090/fhir' }).FHIR_SERVER_ALLOWLIST).toEqual(['http://127.0.0.1:8090/fhir']);
  });

  it('names every bad variable at once, in the error message too', () => {
    try {
      loadConfig({ PORT: 'x', LOG_LEVEL: 'loud' });
      throw new Error('accepted');
    } catch (e) {
      expect((e as ConfigError).problems.map((p) => p.split(':')[0])).toEqual(['PORT', 'LOG_LEVEL']);
      expect((e as Error).message).toMatch(/PORT.*\n.*LOG_LEVEL/);
    }
  });

  it('refuses authentication off and the embedded FHIR server in production', () => {
    expect(problemsOf({ NODE_ENV: 'production', PUBLIC_BASE_URL: PROD_URL, CDS_AUTH: 'off' })).toEqual([expect.stringMatching(/^CDS_AUTH: /)]);
    expect(problemsOf({ NODE_ENV: 'production', PUBLIC_BASE_URL: PROD_URL, EMBEDDED_FHIR: 'true' })).toEqual([expect.stringMatching(/^EMBEDDED_FHIR: /)]);
  });

  it('refuses the embedded FHIR server on the service\'s own port, only when it runs', () => {
    expect(problemsOf({ PORT: '3110', EMBEDDED_FHIR_PORT: '3110' })).toEqual([expect.stringMatching(/^EMBEDDED_FHIR_PORT: must differ from PORT \(3110\)/)]);
    expect(() => loadConfig({ PORT: '3110', EMBEDDED_FHIR_PORT: '3110', EMBEDDED_FHIR: 'false' })).not.toThrow();
    expect(() => loadConfig({ PORT: '0', EMBEDDED_FHIR_PORT: '0' })).not.toThrow();
  });

  it('in production, reads the scheme of a URL whatever its case, and names the variable of a URL that does not parse', () => {
    expect(problemsOf({ NODE_ENV: 'production', PUBLIC_BASE_URL: PROD_URL, FHIR_SERVER_ALLOWLIST: 'HTTP://ehr.example.org/fhir' })).toEqual([
      expect.stringMatching(/^FHIR_SERVER_ALLOWLIST: HTTP:\/\/ehr\.example\.org\/fhir is not https/),
    ]);
    expect(problemsOf({ NODE_ENV: 'production', PUBLIC_BASE_URL: 'HTTP://cds.example.org' })).toEqual([expect.stringMatching(/^PUBLIC_BASE_URL: .* is not https/)]);
    expect(problemsOf({ NODE_ENV: 'production', PUBLIC_BASE_URL: 'http://cds example.org' })).toEqual([expect.stringMatching(/^PUBLIC_BASE_URL: /)]);
    expect(problemsOf({ NODE_ENV: 'production', PUBLIC_BASE_URL: PROD_URL, FHIR_SERVER_ALLOWLIST: 'https://a.example/fhir,http://' })).toEqual([
      expect.stringMatching(/^FHIR_SERVER_ALLOWLIST\.1: /),
    ]);
  });

  it('in production, refuses an http FHIR server on the allowlist unless it is on loopback', () => {
    expect(problemsOf({ NODE_ENV: 'production', PUBLIC_BASE_URL: PROD_URL, FHIR_SERVER_ALLOWLIST: 'https://a.example/fhir,http://b.example/fhir' })).toEqual([
      expect.stringMatching(/^FHIR_SERVER_ALLOWLIST: http:\/\/b\.example\/fhir is not https/),
    ]);
    expect(() => loadConfig({ NODE_ENV: 'production', PUBLIC_BASE_URL: PROD_URL, FHIR_SERVER_ALLOWLIST: 'http://127.0.0.1:8080/fhir,http://localhost/r4,http://[::1]:9/f' })).not.toThrow();
    expect(() => loadConfig({ NODE_ENV: 'development', FHIR_SERVER_ALLOWLIST: 'http://b.example/fhir' })).not.toThrow();
  });

  it('in production, requires PUBLIC_BASE_URL, and https unless on loopback', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([expect.stringMatching(/^PUBLIC_BASE_URL: required when NODE_ENV=production/)]);
    expect(problemsOf({ NODE_ENV: 'production', PUBLIC_BASE_URL: 'http://cds.example.org' })).toEqual([expect.stringMatching(/^PUBLIC_BASE_URL: http:\/\/cds\.example\.org is not https/)]);
    expect(loadConfig({ NODE_ENV: 'production', PUBLIC_BASE_URL: 'http://127.0.0.1:3000' }).PUBLIC_BASE_URL).toBe('http://127.0.0.1:3000');
  });

  it('keeps PUBLIC_BASE_URL as written but for trailing slashes, and refuses a query, fragment or credentials in it', () => {
    expect(loadConfig({ PUBLIC_BASE_URL: 'HTTPS://CDS.Example.org:443/spine//' }).PUBLIC_BASE_URL).toBe('HTTPS://CDS.Example.org:443/spine');
    for (const bad of ['https://cds.example.org/spine?x=1', 'https://cds.example.org/#top', 'https://user:pw@cds.example.org', 'https://cds.example.org/spine?', 'https://cds.example.org/#', 'https://:@cds.example.org/spine']) {
      expect(problemsOf({ PUBLIC_BASE_URL: bad })).toEqual([expect.stringMatching(/^PUBLIC_BASE_URL: a base URL has no query, fragment or credentials/)]);
    }
  });

  it('refuses a FHIR_SERVER_ALLOWLIST entry with a query, fragment or credentials: it would allow nothing, or more than written', () => {
    for (const bad of ['https://user:pw@ehr.example.org/fhir', 'https://ehr.example.org/fhir?tenant=a', 'https://ehr.example.org/fhir#x', 'https://ok.example/fhir,https://:@ehr.example.org/fhir']) {
      const problems = problemsOf({ FHIR_SERVER_ALLOWLIST: bad });
      expect([bad, problems]).toEqual([bad, [expect.stringMatching(/^FHIR_SERVER_ALLOWLIST[.\d]*: a base URL has no query, fragment or credentials/)]]);
    }
  });

  it('requires authentication and leaves the embedded FHIR server off by default in production', () => {
    const c = loadConfig({ NODE_ENV: 'production', PUBLIC_BASE_URL: PROD_URL });
    expect(c.CDS_AUTH).toBe('required');
    expect(c.EMBEDDED_FHIR).toBe(false);
  });
});

describe('whole-number variables', () => {
  it.each([' ', '0x1F', '1e3', '3000.5', '-1'])('refuse PORT=%j, naming PORT', (value) => {
    expect(() => loadConfig({ PORT: value })).toThrow(/PORT/);
  });
  it('take decimal digits, spaces around them allowed', () => {
    expect(loadConfig({ PORT: ' 8080 ' }).PORT).toBe(8080);
  });
});
