import type { Command } from 'commander';
import { z } from 'zod';
import { allStages } from '../pipeline/registry.js';

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

/** Every stage with its params (type, default, description), straight from the schemas that validate YAML. */
export function describeStages(): string {
  const out: string[] = [];
  for (const def of allStages()) {
    out.push(`${def.type} (${def.kind}): ${def.description}`);
    const schema = z.toJSONSchema(def.params, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    for (const [name, prop] of Object.entries(schema.properties ?? {})) {
      const required = schema.required?.includes(name) && prop.default === undefined ? ' (required)' : '';
      const dflt = prop.default !== undefined ? ` = ${JSON.stringify(prop.default)}` : '';
      out.push(`    ${name}: ${typeName(prop)}${dflt}${required}  ${prop.description ?? ''}`.trimEnd());
    }
  }
  return out.join('\n');
}

function typeName(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join('|');
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return alts.map(typeName).join('|');
  return Array.isArray(s.type) ? s.type.join('|') : (s.type ?? 'any');
}

export function registerList(program: Command): void {
  program
    .command('list')
    .description('List stage types and their params')
    .option('--json', 'machine-readable JSON schemas')
    .action((options: { json?: boolean }) => {
      if (options.json) {
        const all = allStages().map((d) => ({ type: d.type, kind: d.kind, description: d.description, params: z.toJSONSchema(d.params, { io: 'input', unrepresentable: 'any' }) }));
        process.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
      } else {
        process.stdout.write(`${describeStages()}\n`);
      }
    });
}
