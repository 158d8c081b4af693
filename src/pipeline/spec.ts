import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, isMap, isPair, isScalar, parseAllDocuments, type Document, type Node } from 'yaml';
import { z } from 'zod';
import { SpecError, type SpecLocation } from '../errors.js';
import type { StageDefinition, StageKind } from '../contract/stage.js';
import { opsParam, type OpsAddress } from '../runtime/ops-server.js';
import type { PipelineStages } from './pipeline-input.js';
import { stageDefinition, stageTypes } from './registry.js';

/** One stage of a validated pipeline: its definition and its params, parsed and defaulted by the schema. */
export interface StageSpec {
  /** Unique within the pipeline; later stages refer to a fit stage by it. Defaults to the type. */
  id: string;
  type: string;
  definition: StageDefinition;
  params: Record<string, unknown>;
  /** Where the stage starts in the pipeline file, for runtime errors that point back at the spec. */
  location: SpecLocation;
  /** Where each param given in the file sits (its key), for checks that point at one param (`validate`). */
  paramLocations: Record<string, SpecLocation>;
}

/** A validated pipeline: source -> transforms -> sink. */
export interface PipelineSpec {
  name: string;
  description?: string;
  /** Seed every random choice in the run derives from. */
  seed: number;
  /** TensorFlow.js backend preference. */
  backend: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  /** Interval of the run's statistics log lines (ms); 0 logs them only in the final summary. */
  statsIntervalMs: number;
  /** Where the run serves /metrics, /healthz and /readyz (runtime/ops-server.ts); null for no endpoint. */
  ops: OpsAddress | null;
  /** The file the spec came from (or `<inline>`); relative paths in params resolve against its folder. */
  file: string;
  baseDir: string;
  source: StageSpec;
  stages: StageSpec[];
  sink: StageSpec;
}

const stageEntry = z.looseObject({
  type: z.string().describe('Registered stage type, see `latentflow list`'),
  id: z.string().regex(/^[A-Za-z][\w-]*$/, 'letters, digits, - and _, starting with a letter').optional(),
});

const pipelineSchema = z.strictObject({
  name: z.string().optional().describe('Pipeline name, used in logs and the run summary'),
  description: z.string().optional().describe('Free text'),
  seed: z.number().int().min(0).default(42).describe('Seed for every random choice in the run'),
  backend: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto').describe('TensorFlow.js backend; auto tries tensorflow, wasm, cpu'),
  statsIntervalMs: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe('Log the run statistics (rows, batches, every stage\'s counters) this often (ms), for long-running pipelines; 0 = only the final summary'),
  ops: opsParam,
  source: stageEntry,
  stages: z.array(stageEntry).default([]),
  sink: stageEntry,
});

/**
 * Reads, parses and validates a pipeline file; every problem is a SpecError at `file:line:column`. A file may
 * hold several YAML documents (separated by `---`): they are steps run in order, e.g. fit, then score.
 */
export async function loadPipelineFile(file: string): Promise<PipelineSpec[]> {
  return parsePipelines(await readYamlText(file, 'pipeline file'), file);
}

/**
 * Resource limits on YAML the CLI reads. A pipeline is a few kilobytes: a file over `MAX_YAML_BYTES` is a
 * mistake (or an attack), and so is a document whose aliases expand beyond `MAX_YAML_ALIASES` nodes
 * (the "billion laughs" bomb, which would otherwise take all memory). Both are SpecErrors naming the file.
 */
export const YAML_LIMITS = { maxBytes: 4 * 1024 * 1024, maxAliasCount: 1000 } as const;

/** Reads a YAML file's text within `YAML_LIMITS`; SpecError naming the file otherwise. */
async function readYamlText(file: string, what: string): Promise<string> {
  try {
    const info = await stat(file);
    if (info.isFile() && info.size > YAML_LIMITS.maxBytes) {
      throw new SpecError(`${what} is ${info.size} bytes, over the ${YAML_LIMITS.maxBytes}-byte limit for YAML; is this the right file?`, { file, line: 0, column: 0, path: '' });
    }
    return await readFile(file, 'utf8');
  } catch (cause) {
    if (cause instanceof SpecError) throw cause;
    throw new SpecError(`cannot read ${what}: ${(cause as Error).message}`, { file, line: 0, column: 0, path: '' }, { cause });
  }
}

/**
 * A single-document YAML file (e.g. `fit --config`) as a plain value, under the same limits and with the
 * same positioned errors as pipeline files.
 */
export async function loadYamlValue(file: string): Promise<unknown> {
  const text = await readYamlText(file, 'YAML file');
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [];
  if (list.length > 1) throw new SpecError(`expected one YAML document, found ${list.length}`, { file, line: 1, column: 1, path: '' });
  const doc = list[0];
  if (!doc) return null;
  syntaxCheck(doc, lineCounter, file);
  return toPlain(doc, lineCounter, file);
}

function syntaxCheck(doc: Document, lineCounter: LineCounter, file: string): void {
  const first = doc.errors[0];
  if (first) {
    const pos = lineCounter.linePos(first.pos[0]);
    throw new SpecError(`YAML syntax: ${first.message.split('\n')[0]}`, { file, line: pos.line, column: pos.col, path: '' });
  }
}

/** `doc.toJS()` within the alias limit; the yaml library's ReferenceError becomes a SpecError at the document. */
function toPlain(doc: Document, lineCounter: LineCounter, file: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: YAML_LIMITS.maxAliasCount });
  } catch (cause) {
    const pos = lineCounter.linePos(doc.contents?.range?.[0] ?? 0);
    const reason = /alias/i.test((cause as Error).message)
      ? `aliases expand to more than ${YAML_LIMITS.maxAliasCount} nodes (a YAML "billion laughs" expansion); write the values out or use fewer aliases`
      : `cannot read the YAML document: ${(cause as Error).message}`;
    throw new SpecError(reason, { file, line: pos.line, column: pos.col, path: '' }, { cause });
  }
}

/** Parses and validates pipeline YAML text, one spec per document. `file` names it in messages and anchors relative paths. */
export function parsePipelines(text: string, file = '<inline>'): PipelineSpec[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [];
  // An empty document (a trailing `---`, or `---` followed by comments) is no step: yaml gives it a null
  // scalar as contents, not null.
  const isEmpty = (doc: Document) => doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null);
  const steps = list.filter((doc) => !isEmpty(doc)).length;
  const specs: PipelineSpec[] = [];
  list.forEach((doc) => {
    syntaxCheck(doc, lineCounter, file);
    if (isEmpty(doc)) return;
    const locate = (keyPath: readonly PropertyKey[], atKey?: string): SpecLocation =>
      locateInDocument(doc, lineCounter, file, keyPath, atKey);
    const value = toPlain(doc, lineCounter, file) ?? {};
    const spec = validatePipeline(value, file, locate);
    if (steps > 1 && !(value as { name?: string }).name) spec.name = `${spec.name}#${specs.length + 1}`;
    specs.push(spec);
  });
  if (specs.length === 0) throw new SpecError('the pipeline file is empty', { file, line: 1, column: 1, path: '' });
  return specs;
}

/** A pipeline written in code: the pipeline keys of the schema, and stage entries typed from the stage schemas. */
export type PipelineInput = Omit<z.input<typeof pipelineSchema>, 'source' | 'stages' | 'sink'> & PipelineStages;

/**
 * Validates a pipeline given in code (library use). Typed: TypeScript checks every stage type and param
 * against the stage schemas; the same checks run again here for plain JavaScript callers, with SpecErrors
 * that carry the key path.
 */
export function definePipeline(value: PipelineInput, baseDir = process.cwd()): PipelineSpec {
  return validatePipelineValue(value, baseDir);
}

/** {@link definePipeline} for a pipeline assembled at run time (the CLI, fitDetector), whose entries no type describes. */
export function validatePipelineValue(value: unknown, baseDir = process.cwd()): PipelineSpec {
  const file = path.join(baseDir, '<inline>');
  return validatePipeline(value, file, (keyPath, atKey) => ({ file: '<inline>', line: 0, column: 0, path: formatPath(atKey ? [...keyPath, atKey] : keyPath) }));
}

type Locate = (keyPath: readonly PropertyKey[], atKey?: string) => SpecLocation;

function validatePipeline(value: unknown, file: string, locate: Locate): PipelineSpec {
  const top = pipelineSchema.safeParse(value);
  if (!top.success) throw issueToError(top.error.issues[0], [], locate, topLevelKeys());
  const p = top.data;
  const ids = new Set<string>();
  const resolve = (entry: z.infer<typeof stageEntry>, keyPath: (string | number)[], kind: StageKind): StageSpec => {
    const { type, id: givenId, ...raw } = entry;
    const definition = stageDefinition(type);
    if (!definition || definition.kind !== kind) {
      const options = stageTypes(kind);
      const hint = closest(type, options);
      const reason = definition ? `"${type}" is a ${definition.kind}, not a ${kind}` : `unknown stage type "${type}"`;
      throw new SpecError(`${reason}${hint ? `; did you mean "${hint}"?` : ''} (${kind}s: ${options.join(', ')})`, locate([...keyPath, 'type']));
    }
    const parsed = definition.params.safeParse(raw);
    if (!parsed.success) throw issueToError(parsed.error.issues[0], keyPath, locate, paramKeys(definition, parsed.error.issues[0].path));
    let id = givenId ?? type;
    for (let n = 2; givenId === undefined && ids.has(id); n++) id = `${type}-${n}`;
    if (ids.has(id)) throw new SpecError(`duplicate stage id "${id}"; ids must be unique`, locate([...keyPath, 'id']));
    ids.add(id);
    const paramLocations = Object.fromEntries(Object.keys(raw).map((key) => [key, locate(keyPath, key)]));
    return { id, type, definition, params: parsed.data as Record<string, unknown>, location: locate(keyPath), paramLocations };
  };
  const source = resolve(p.source, ['source'], 'source');
  const stages = p.stages.map((s, i) => resolve(s, ['stages', i], 'transform'));
  const sink = resolve(p.sink, ['sink'], 'sink');
  const displayFile = file;
  return {
    name: p.name ?? path.basename(displayFile).replace(/\.ya?ml$/, ''),
    description: p.description,
    seed: p.seed,
    backend: p.backend,
    statsIntervalMs: p.statsIntervalMs,
    ops: p.ops,
    file: displayFile,
    baseDir: path.dirname(path.resolve(displayFile)),
    source,
    stages,
    sink,
  };
}

function issueToError(issue: z.core.$ZodIssue, prefix: readonly (string | number)[], locate: Locate, allowed: readonly string[]): SpecError {
  const keyPath = [...prefix, ...issue.path.map((k) => (typeof k === 'symbol' ? String(k) : k))];
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    const hint = closest(key, allowed);
    // A block whose keys cannot be listed (one alternative of a union) has its schema's own message.
    const known = allowed.length > 0 ? `(allowed: ${allowed.join(', ')})` : `(${issue.message})`;
    return new SpecError(`unknown key "${key}"${hint ? `; did you mean "${hint}"?` : ''} ${known}`, locate(keyPath, key));
  }
  const where = locate(keyPath);
  const name = keyPath.length > 0 ? String(keyPath[keyPath.length - 1]) : 'pipeline';
  return new SpecError(`${name}: ${issue.message}`, where);
}

function topLevelKeys(): string[] {
  return Object.keys(pipelineSchema.shape);
}

/** The keys a stage entry accepts at `path` inside its params: its own top level, or a nested block such as `model`. */
function paramKeys(def: StageDefinition, path: readonly PropertyKey[] = []): string[] {
  if (path.length > 0) return objectKeysAt(def.params, path);
  const shape = (def.params as unknown as { shape?: Record<string, unknown> }).shape;
  return ['type', 'id', ...(shape ? Object.keys(shape) : [])];
}

/** The keys of the object schema at `path` inside `schema`; none where a union or an array makes that ambiguous. */
function objectKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let s: z.ZodType | undefined = schema;
  for (let i = 0; i <= path.length; i++) {
    while (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodDefault) s = s.unwrap() as z.ZodType;
    if (!(s instanceof z.ZodObject)) return [];
    if (i === path.length) return Object.keys(s.shape);
    s = (s.shape as Record<PropertyKey, z.ZodType | undefined>)[path[i]];
  }
  return [];
}

function locateInDocument(doc: Document, lc: LineCounter, file: string, keyPath: readonly PropertyKey[], atKey?: string): SpecLocation {
  // Walk down as far as the document has nodes; a missing key is reported at its parent.
  let node: Node | null = doc.contents as Node | null;
  let offset = node?.range?.[0] ?? 0;
  for (let i = 0; i < keyPath.length; i++) {
    const next = doc.getIn(keyPath.slice(0, i + 1) as unknown[], true) as Node | undefined;
    if (!next || !next.range) break;
    node = next;
    offset = next.range[0];
  }
  if (atKey !== undefined && node && isMap(node)) {
    const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && it.key.value === atKey);
    const keyNode = pair?.key as Node | undefined;
    if (keyNode?.range) offset = keyNode.range[0];
  }
  const pos = lc.linePos(offset);
  return { file, line: pos.line, column: pos.col, path: formatPath(atKey ? [...keyPath, atKey] : keyPath) };
}

function formatPath(keyPath: readonly PropertyKey[]): string {
  return keyPath.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), '');
}

/** The closest candidate by edit distance, if it is close enough to be a likely typo. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}
