import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isShownDefinition, readCqlLibrary } from '../../src/criteria-page/cql-reader.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const lib = readCqlLibrary(readFileSync(path.join(here, 'fixtures', 'cql', 'TestCriteria.cql'), 'utf8'));

describe('readCqlLibrary', () => {
  it('reads the library name, version and includes', () => {
    expect(lib.name).toBe('TestCriteria');
    expect(lib.version).toBe('0.1.0');
    expect(lib.includes).toEqual(['TestCommon']);
  });

  it('reads each parameter with its type, default and the comment directly above it', () => {
    expect(lib.parameters).toEqual([
      { name: 'Imaging Lookback Months', type: 'Integer', defaultValue: '12', comment: 'How far back imaging may be, in months.' },
      { name: 'Conservative Care Weeks', type: 'Integer', defaultValue: '6', comment: 'Weeks of conservative care that satisfy R4.' },
      { name: 'Instability Translation Mm', type: 'Decimal', defaultValue: '3.0', comment: 'Millimetres of translation.' },
      { name: 'Plan', type: 'Tuple { level String, note String }', comment: 'Supplied per call.' },
      { name: 'Greeting', type: 'String', defaultValue: "'say // not a comment, default'" },
      { name: 'Levels', type: 'List<String>', defaultValue: "{ 'L3-L4', 'L4-L5' }", comment: 'A default over several lines.' },
    ]);
  });

  it('reads value set declarations, a trailing comment does not disturb them', () => {
    expect(lib.valueSets).toEqual([
      { name: 'Dural Tear', url: 'http://spine-cds.org/fhir/ValueSet/test-dural-tear' },
      { name: 'Surgery', url: 'http://spine-cds.org/fhir/ValueSet/test-surgery' },
    ]);
  });

  it('reads expression definitions with their comment and text, and leaves functions out', () => {
    expect(lib.definitions.map((d) => d.name)).toEqual([
      'Helper',
      'R1 Failed Prior Surgery',
      'R10 Something Else',
      'R2D2 Droid',
      'S2 Prior Dural Tear',
      'Is Revision',
      'Determination',
      'Consider Fusion',
    ]);
    const r1 = lib.definitions.find((d) => d.name === 'R1 Failed Prior Surgery')!;
    expect(r1.comment).toBe('R1: failed prior surgery <at the level> & more.');
    expect(r1.text).toBe(`define "R1 Failed Prior Surgery":\n  if "Helper" = 1 then 'met'\n  else 'not-documented'`);
    expect(lib.definitions.find((d) => d.name === 'Helper')!.comment).toBeUndefined();
    expect(lib.definitions.find((d) => d.name === 'S2 Prior Dural Tear')!.comment).toBeUndefined();
  });

  it('handles CRLF line ends and a file with no declarations', () => {
    const crlf = readCqlLibrary('library X version \'1\'\r\n// c\r\nparameter "P" Integer default 3\r\n');
    expect(crlf.parameters).toEqual([{ name: 'P', type: 'Integer', defaultValue: '3', comment: 'c' }]);
    expect(readCqlLibrary('')).toEqual({ includes: [], parameters: [], definitions: [], valueSets: [] });
  });

  it('shows every R<n> and S<n> criterion and the named rules only', () => {
    for (const n of ['R1 Failed Prior Surgery', 'R4', 'R5 Other', 'R10 Something Else', 'S3 Instrumented Fusion', 'S5 New Finding', 'Is Revision', 'Determination', 'Consider Fusion', 'Inpatient Recommended']) {
      expect(isShownDefinition(n)).toBe(true);
    }
    for (const n of ['R2D2 Droid', 'R1Helper', 'Helper', 'Plan Decision', 'Rx', 'Inpatient Reasons']) expect(isShownDefinition(n)).toBe(false);
  });
});
