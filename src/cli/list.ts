import type { Command } from 'commander';
import { z } from 'zod';
import { allStages } from '../pipeline/registry.js';

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

/**
 * Every stage with its params (type, default, description), straight from the schemas that validate YAML.
 * Nested blocks (the autoencoder's `model`, its `denoising` variants, ...) are listed below their key, indented.
 */
export function describeStages(): string {
  const out: string[] = [];
  for (const def of allStages()) {
    out.push(`${def.type} (${def.kind}): ${def.description}`);
    describeProperties(z.toJSONSchema(def.params, { io: 'input', unrepresentable: 'any' }) as JsonSchema, '    ', out);
  }
  return out.join('\n');
}

function describeProperties(schema: JsonSchema, indent: string, out: string[]): void {
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const required = schema.required?.includes(name) && prop.default === undefined ? ' (required)' : '';
    const dflt = prop.default !== undefined && !isObjectSchema(prop) ? ` = ${JSON.stringify(prop.default)}` : '';
    out.push(`${indent}${name}: ${typeName(prop)}${dflt}${required}  ${prop.description ?? ''}`.trimEnd());
    // An object's own keys, or each object alternative's (a discriminated union such as denoising: gaussian | mask,
    // also inside `| null`).
    const blocks = alternatives(prop).filter(isObjectSchema);
    for (const block of blocks) describeProperties(block, `${indent}    `, out);
  }
}

function alternatives(s: JsonSchema): JsonSchema[] {
  const alts = s.anyOf ?? s.oneOf;
  return alts ? alts.flatMap(alternatives) : [s];
}

function isObjectSchema(s: JsonSchema): boolean {
  return s.properties !== undefined && Object.keys(s.properties).length > 0;
}

function typeName(s: JsonSchema): string {
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.type === 'array' && s.items) {
    const item = typeName(s.items);
    return item.includes('|') ? `(${item})[]` : `${item}[]`;
  }
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
