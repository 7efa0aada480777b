import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { emptyValuePaths } from '../../src/cds/no-empty.js';
import { loadServiceRegistry, parseDeclaration } from '../../src/cds/service-registry.js';
import { RECORD_KEYS, templateFor } from '../../src/data/record-keys.js';
import { buildTestApp, type TestApp } from './support/app-fixture.js';

describe('GET /cds-services', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  it('lists the lumbar-fusion-criteria service in the CDS Hooks 2.0 shape', async () => {
    const res = await request(t.app).get('/cds-services').expect(200).expect('Content-Type', /application\/json/);
    expect(Object.keys(res.body)).toEqual(['services']);
    expect(res.body.services).toHaveLength(1);
    const service = res.body.services[0];
    expect(Object.keys(service).sort()).toEqual(['description', 'hook', 'id', 'prefetch', 'title']);
    expect(service.id).toBe('lumbar-fusion-criteria');
    expect(service.hook).toBe('order-sign');
    expect(typeof service.title).toBe('string');
    expect(service.description.length).toBeGreaterThan(20);
    expect(emptyValuePaths(res.body)).toEqual([]);
  });

  it('declares one prefetch template per record key, scoped to the patient', async () => {
    const res = await request(t.app).get('/cds-services').expect(200);
    const prefetch = res.body.services[0].prefetch as Record<string, string>;
    expect(Object.keys(prefetch).sort()).toEqual([...RECORD_KEYS].sort());
    for (const key of RECORD_KEYS) expect(prefetch[key]).toBe(templateFor(key));
    expect(prefetch.patient).toBe('Patient/{{context.patientId}}');
    expect(prefetch.imagingStudies).toBe('ImagingStudy?patient={{context.patientId}}');
  });
});

describe('service declarations', () => {
  const valid = {
    id: 'x-service',
    hook: 'order-sign',
    title: 'X',
    description: 'An X service',
    prefetch: { patient: 'Patient/{{context.patientId}}' },
    triggers: { draftOrderResourceTypes: ['ServiceRequest'] },
  };

  it('accepts a complete declaration', () => {
    expect(parseDeclaration('x.json', valid).id).toBe('x-service');
  });

  it('names the file and each problem of an invalid declaration', () => {
    const { description: _d, ...noDescription } = valid;
    expect(() => parseDeclaration('x.json', { ...noDescription, triggers: { draftOrderResourceTypes: [] } })).toThrow(
      /x\.json.*description.*triggers\.draftOrderResourceTypes/s,
    );
  });

  it('refuses unknown fields, so a misspelt one is not silently ignored', () => {
    expect(() => parseDeclaration('x.json', { ...valid, prefech: {} })).toThrow(/x\.json/);
  });

  it('reads every declaration in a folder and refuses unreadable JSON or a file named unlike its id', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hooks-'));
    writeFileSync(join(dir, 'x-service.json'), JSON.stringify(valid));
    expect(loadServiceRegistry(dir).get('x-service')?.hook).toBe('order-sign');

    writeFileSync(join(dir, 'other.json'), JSON.stringify({ ...valid, id: 'other-id' }));
    expect(() => loadServiceRegistry(dir)).toThrow(/must be named other-id\.json/);

    writeFileSync(join(dir, 'other.json'), '{ not json');
    expect(() => loadServiceRegistry(dir)).toThrow(/other\.json is not readable JSON/);
  });

  it('refuses a folder without declarations', () => {
    expect(() => loadServiceRegistry(mkdtempSync(join(tmpdir(), 'hooks-empty-')))).toThrow(/no service declaration/);
  });
});
