import nock from 'nock';

/**
 * For the enclosing describe block (or the whole file, at top level): nock refuses every request that is not
 * for 127.0.0.1, so a test can reach the service under test and never the network; afterwards every host is
 * allowed again.
 */
export function loopbackOnly(): void {
  beforeAll(() => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
  });
  afterAll(() => nock.enableNetConnect());
}
