import type { z } from 'zod';
import type { StageDefinition, StageKind } from '../contract/stage.js';
import type { BuiltInStage } from './registry.js';

type BuiltInStageTypes = { [D in BuiltInStage as D['type']]: D };

/**
 * Every stage a typed pipeline may name, by type: the built-in stages, plus the user stages a program
 * declares next to its `registerStage` call, so `definePipeline` checks their entries too:
 *
 * ```ts
 * declare module 'latentflow' {
 *   interface StageTypes { 'row-number': typeof rowNumber }
 * }
 * ```
 */
// An interface, not a type alias: only interfaces can be augmented from the user's module.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface StageTypes extends BuiltInStageTypes {}

/** A pipeline entry for the stage definition `D`: its type name, an optional id and its params as the schema accepts them. */
export type StageEntry<D> = D extends { readonly type: infer T; readonly params: infer S extends z.ZodType } ? { type: T; id?: string } & ParamsOf<S> : never;

/** What a params schema accepts; a stage without params (`{}`, which zod types as a record of never) adds nothing. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
type ParamsOf<S extends z.ZodType> = {} extends Required<z.input<S>> ? unknown : z.input<S>;

/** The entries of every stage of kind `K`, a union discriminated by `type`. */
export type StageEntryOf<K extends StageKind> = {
  [T in keyof StageTypes]: StageTypes[T] extends StageDefinition<K, z.ZodType, string> ? StageEntry<StageTypes[T]> : never;
}[keyof StageTypes];

/**
 * The stages of a pipeline given in code, typed from the stage schemas: a misspelt stage type or param, a
 * missing required param, a value of the wrong type or a stage of the wrong kind is a compile error. The
 * pipeline-level keys (name, seed, backend...) come with them from the pipeline schema.
 */
export interface PipelineStages {
  source: StageEntryOf<'source'>;
  stages?: StageEntryOf<'transform'>[];
  sink: StageEntryOf<'sink'>;
}
