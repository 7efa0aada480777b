import { getSearchParameters } from '@medplum/core';
import type { CapabilityStatement, CapabilityStatementRestResource, CapabilityStatementRestResourceInteraction } from 'fhir/r4.js';

type SearchParamType = NonNullable<CapabilityStatementRestResource['searchParam']>[number]['type'];

const INTERACTIONS: CapabilityStatementRestResourceInteraction['code'][] = [
  'read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'create', 'search-type',
];

/**
 * The CapabilityStatement served at `/metadata`. Clients such as the CDS Hooks Sandbox read it before
 * anything else; it declares an open server (no security section) speaking JSON R4.
 */
export function capabilityStatement(baseUrl: string, resourceTypes: ReadonlySet<string>): CapabilityStatement {
  const resource = [...resourceTypes].sort().map((type): CapabilityStatementRestResource => ({
    // Every name in the set comes from the R4 SearchParameter bases, so it is a resource type.
    type: type as CapabilityStatementRestResource['type'],
    interaction: INTERACTIONS.map((code) => ({ code })),
    searchParam: Object.entries(getSearchParameters(type) ?? {}).map(([name, sp]) => ({ name, type: sp.type as SearchParamType })),
  }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    software: { name: 'spine-cds embedded FHIR server (Medplum fhir-router, in-memory)' },
    implementation: { description: 'Fixture patients for development and testing; never run in production', url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['json'],
    rest: [{ mode: 'server', resource, interaction: [{ code: 'transaction' }, { code: 'batch' }] }],
  };
}
