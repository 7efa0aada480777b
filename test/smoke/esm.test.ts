import { Client } from 'fhir-kit-client';
import nock from 'nock';
describe('esm', () => {
  it('fhir-kit-client with nock', async () => {
    nock('http://fhir.test').get('/r4/Patient/1').reply(200, { resourceType: 'Patient', id: '1' });
    const c = new Client({ baseUrl: 'http://fhir.test/r4' });
    const p = await c.read({ resourceType: 'Patient', id: '1' });
    expect(p).toMatchObject({ id: '1' });
  });
});
