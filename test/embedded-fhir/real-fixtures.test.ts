import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Bundle, Resource } from 'fhir/r4.js';
import { getSearchParameter } from '@medplum/core';
import { startEmbeddedFhirServer, type EmbeddedFhirServer } from '../../src/embedded-fhir/server.js';
import { call, ids, REAL_FIXTURES, searchAll } from './helpers.js';

const files = existsSync(REAL_FIXTURES) ? readdirSync(REAL_FIXTURES).filter((f) => f.endsWith('.json')).sort() : [];

// Runs once fixtures/patients/ holds patient Bundles; until then Jest lists these tests as skipped.
(files.length > 0 ? describe : describe.skip)('the real fixture patients in the embedded FHIR server', () => {
  let server: EmbeddedFhirServer;
  const bundles = new Map<string, Bundle>();

  beforeAll(async () => {
    server = await startEmbeddedFhirServer({ port: 0, fixturesDir: REAL_FIXTURES });
    for (const file of files) bundles.set(file.replace(/\.json$/, ''), JSON.parse(await readFile(join(REAL_FIXTURES, file), 'utf8')) as Bundle);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('loads every fixture file, one patient each, named after the file', () => {
    expect(server.patientIds).toEqual([...bundles.keys()]);
  });

  it('answers every patient and every per-type patient search with exactly that fixture\'s resources', async () => {
    for (const [patientId, bundle] of bundles) {
      expect((await call(`${server.baseUrl}/Patient/${patientId}`)).status).toBe(200);
      const byType = new Map<string, string[]>();
      for (const e of bundle.entry ?? []) {
        const r = e.resource as Resource;
        if (r.resourceType !== 'Patient') byType.set(r.resourceType, [...(byType.get(r.resourceType) ?? []), r.id!]);
      }
      for (const [type, expected] of byType) {
        if (getSearchParameter(type, 'patient') === undefined) continue;
        // The service's prefetch form: a bare id, small pages, so paging is exercised too.
        const { resources } = await searchAll(`${server.baseUrl}/${type}?patient=${encodeURIComponent(patientId)}&_count=7`);
        expect({ patientId, type, ids: ids(resources) }).toEqual({ patientId, type, ids: expected });
      }
    }
  });
});
