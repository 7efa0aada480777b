import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * A service declaration in hooks/<id>.json: the discovery entry plus what the service reacts to.
 * Declarations are data so that a deployment can read what the service asks for without reading code.
 */
const declarationSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a URL-safe id'),
  hook: z.string().min(1),
  title: z.string().min(1),
  description: z.string().min(1),
  prefetch: z.record(z.string().min(1), z.string().min(1)).optional(),
  triggers: z.strictObject({
    /** Resource types in context.draftOrders that may trigger the service; others are never looked at. */
    draftOrderResourceTypes: z.array(z.string().min(1)).min(1),
  }),
});

export type ServiceDeclaration = z.output<typeof declarationSchema>;

/** What GET /cds-services lists for one service (CDS Hooks 2.0 discovery fields only). */
export interface DiscoveryEntry {
  id: string;
  hook: string;
  title: string;
  description: string;
  prefetch?: Record<string, string>;
}

export class ServiceRegistry {
  private readonly byId: ReadonlyMap<string, ServiceDeclaration>;

  constructor(declarations: readonly ServiceDeclaration[]) {
    const map = new Map<string, ServiceDeclaration>();
    for (const d of declarations) {
      if (map.has(d.id)) throw new Error(`two service declarations use the id ${d.id}`);
      map.set(d.id, d);
    }
    this.byId = map;
  }

  get(id: string): ServiceDeclaration | undefined {
    return this.byId.get(id);
  }

  discovery(): { services: DiscoveryEntry[] } {
    return {
      services: [...this.byId.values()].map((d) => {
        const entry: DiscoveryEntry = { id: d.id, hook: d.hook, title: d.title, description: d.description };
        if (d.prefetch && Object.keys(d.prefetch).length > 0) entry.prefetch = { ...d.prefetch };
        return entry;
      }),
    };
  }
}

/** Validates one declaration; the error names the file and every problem in it. */
export function parseDeclaration(source: string, json: unknown): ServiceDeclaration {
  const parsed = declarationSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`invalid service declaration ${source}: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** Reads every *.json file in the hooks directory once, at start-up; a bad file stops the start. */
export function loadServiceRegistry(hooksDir: string): ServiceRegistry {
  const files = readdirSync(hooksDir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  if (files.length === 0) throw new Error(`no service declaration (*.json) in ${hooksDir}`);
  return new ServiceRegistry(
    files.map((file) => {
      const path = join(hooksDir, file);
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(path, 'utf8'));
      } catch (e) {
        throw new Error(`service declaration ${path} is not readable JSON: ${(e as Error).message}`, { cause: e });
      }
      const declaration = parseDeclaration(path, json);
      if (`${declaration.id}.json` !== file) throw new Error(`service declaration ${path} must be named ${declaration.id}.json`);
      return declaration;
    }),
  );
}
