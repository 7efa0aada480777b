import type { ValueSetIndex } from '../terminology/value-sets.js';
import { VALUE_SET_BASE } from '../terminology/value-sets.js';

interface CqlCodeLike {
  code?: string;
  system?: string;
  codes?: CqlCodeLike[];
}

/** What cql-execution asks of a value set: `hasMatch` over a Code, a Concept or a list of them. */
export interface CqlValueSetExpansion {
  readonly isValueSet: true;
  readonly oid: string;
  readonly version: string;
  hasMatch(code: unknown): boolean;
}

/**
 * A CodeService for cql-execution over the ValueSet JSON files. cql-execution's own CodeService compares
 * codes exactly; ours also honours ICD-10-CM header codes (is-a filters), so M48.061 is in a set that lists M48.06.
 */
export class ValueSetCodeService {
  private readonly expansions = new Map<string, CqlValueSetExpansion>();

  constructor(private readonly index: ValueSetIndex) {
    for (const vs of index.resources()) {
      this.expansions.set(vs.url, this.expansion(vs.id, vs.url, vs.version));
    }
  }

  findValueSetsByOid(oid: string): CqlValueSetExpansion[] {
    const vs = this.expansions.get(oid);
    return vs ? [vs] : [];
  }

  findValueSet(oid: string, version?: string): CqlValueSetExpansion | null {
    const vs = this.expansions.get(oid);
    if (!vs || (version != null && version !== vs.version)) return null;
    return vs;
  }

  private expansion(id: string, url: string, version: string): CqlValueSetExpansion {
    const index = this.index;
    const matches = (c: unknown): boolean => {
      if (c == null) return false;
      if (Array.isArray(c)) return c.some(matches);
      const code = c as CqlCodeLike;
      if (Array.isArray(code.codes)) return code.codes.some(matches);
      return index.has(id, code.system, code.code);
    };
    return { isValueSet: true, oid: url, version, hasMatch: matches };
  }
}

export function valueSetUrl(id: string): string {
  return VALUE_SET_BASE + id;
}
