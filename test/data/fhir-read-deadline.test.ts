import { jest } from '@jest/globals';
import nock from 'nock';
import { bundle, cond, HOST, readWithout } from './support/chart.js';

/**
 * A body parsed past the deadline: parsing is synchronous, so the clock is moved on while JSON.parse reads the
 * page marked `slow` (a page really large enough to take that long would make the test slow and its timing loose).
 */
describe('a FHIR answer whose parse ends past the deadline', () => {
  beforeAll(() => nock.disableNetConnect());
  afterAll(() => nock.enableNetConnect());
  afterEach(() => {
    nock.cleanAll();
    jest.restoreAllMocks();
  });

  it('ends the reads as a timeout, so the record is not judged', async () => {
    const deadlineAt = Date.now() + 3000;
    const parse = JSON.parse;
    const now = Date.now;
    let late = false;
    jest.spyOn(JSON, 'parse').mockImplementation((text: string, reviver?: Parameters<typeof JSON.parse>[1]) => {
      const value: unknown = parse(text, reviver);
      if (text.includes('"slow"')) late = true;
      return value;
    });
    jest.spyOn(Date, 'now').mockImplementation(() => (late ? deadlineAt : now()));
    nock(HOST).get('/r4/Condition').query(true).reply(200, bundle([cond('slow')]));
    const seen: (string | undefined)[] = [];
    await expect(readWithout(['conditions'], undefined, deadlineAt, (_type, _s, failure) => seen.push(failure))).rejects.toMatchObject({
      reason: 'timeout',
    });
    expect(seen).toEqual(['timeout']);
  });
});
