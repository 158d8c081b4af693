import type { Schema } from 'apache-arrow';
import { z } from 'zod';
import { DataError } from '../errors.js';
import { isNumericField } from '../io/features.js';

/**
 * A named group of numeric columns for the plot sinks: `{ prefix: z }` means the columns `z0, z1, …` (the
 * prefix followed by an index, in index order), `{ columns: [a, b] }` names them.
 */
export const columnGroupParam = z.union([
  z.strictObject({
    prefix: z.string().min(1).describe('Columns <prefix>0, <prefix>1, … (the prefix followed by an index)'),
    label: z.string().optional().describe('Legend / row title (default: the prefix)'),
  }),
  z.strictObject({
    columns: z.array(z.string().min(1)).min(1).describe('Column names, in order'),
    label: z.string().optional().describe('Legend / row title (default: the first column name)'),
  }),
]);

/** A validated column group: `{ prefix, label? }` or `{ columns, label? }`. */
export type ColumnGroup = z.output<typeof columnGroupParam>;

/** The group's display label. */
export function groupLabel(group: ColumnGroup): string {
  return group.label ?? ('prefix' in group ? group.prefix : group.columns[0]);
}

/**
 * The column names of `group` in `schema`, checked to exist and be numeric. With `expectedCount` a prefix
 * group means exactly `<prefix>0 … <prefix>{expectedCount-1}`; without, every `<prefix><index>` column.
 */
export function resolveGroup(schema: Schema, group: ColumnGroup, stage: string, expectedCount?: number): string[] {
  let names: string[];
  if ('columns' in group) {
    names = group.columns;
  } else if (expectedCount !== undefined) {
    names = Array.from({ length: expectedCount }, (_, i) => `${group.prefix}${i}`);
  } else {
    const pattern = new RegExp(`^${group.prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\d+)$`);
    names = schema.fields
      .map((f) => ({ name: f.name, match: pattern.exec(f.name) }))
      .filter((f) => f.match !== null)
      .sort((a, b) => Number(a.match![1]) - Number(b.match![1]))
      .map((f) => f.name);
    if (names.length === 0) {
      throw new DataError(`${stage}: no columns named ${group.prefix}0, ${group.prefix}1, …`, {
        expected: `columns with prefix "${group.prefix}"`,
        received: schema.fields.map((f) => f.name).slice(0, 20).join(', '),
      });
    }
  }
  if (expectedCount !== undefined && names.length !== expectedCount) {
    throw new DataError(`${stage}: group "${groupLabel(group)}" has ${names.length} columns, the image shape needs ${expectedCount}`, {
      expected: `${expectedCount} columns`,
      received: `${names.length}`,
    });
  }
  for (const name of names) {
    const field = schema.fields.find((f) => f.name === name);
    if (field === undefined) {
      throw new DataError(`${stage}: missing column`, { column: name, expected: 'a numeric column', received: 'no such column' });
    }
    if (!isNumericField(field)) {
      throw new DataError(`${stage}: column is not numeric`, { column: name, expected: 'int or float column', received: String(field.type) });
    }
  }
  return names;
}
