/**
 * Text a user chose (column names, chart titles) made safe to hand to Vega as a title. Vega 6 looks titles
 * up in a plain object while parsing, so a title that names an `Object.prototype` member (`toString`,
 * `constructor`, `hasOwnProperty`) fails with "Operator not defined: undefined". A zero-width space after
 * such a name draws the same text and is no longer a prototype key.
 */
export function chartText(text: string): string {
  return text in Object.prototype ? `${text}\u200b` : text;
}
