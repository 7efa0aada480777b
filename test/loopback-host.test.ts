import { isLoopbackHost } from '../src/loopback-host.js';

describe('loopback hosts', () => {
  it.each(['localhost', '127.0.0.1', '127.255.3.4', '[::1]', '::1'])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['128.0.0.1', '127.0.0.1.evil.test', 'localhost.evil.test', '0.0.0.0', '::', '[::2]', '10.0.0.1', '127.0.0', 'fhir.test'])(
    '%s is not',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );

  it("reads a URL's hostname as the URL parser writes it: short and numeric forms of 127.0.0.1 count", () => {
    for (const url of ['http://127.1/fhir', 'http://2130706433/fhir', 'http://0x7f.0.0.1/fhir', 'http://[::1]:8090/fhir', 'http://LOCALHOST/fhir']) {
      expect(isLoopbackHost(new URL(url).hostname)).toBe(true);
    }
  });
});
