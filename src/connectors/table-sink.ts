import { Table, type RecordBatch, type Schema } from 'apache-arrow';
import { z } from 'zod';
import { ConnectorError } from '../errors.js';
import { DictionaryUnifier } from '../io/dictionaries.js';
import { SchemaGuard, fileSchema, relabel } from '../io/file-schema.js';
import { defineStage, type Sink } from '../contract/stage.js';
import { checkWritable, closableSink } from './closable.js';

const TYPE = 'table-sink';

/**
 * Where `table-sink` puts a run's output: create one, name it as the sink's `into`, read `table` after
 * `runPipeline` resolves. It holds the output of the last run that finished; a failed run leaves it as it was.
 */
export class TableCollector {
  #table: Table | undefined;

  /** The output of the last finished run; a ConnectorError before any run finished. */
  get table(): Table {
    if (this.#table === undefined) throw new ConnectorError('no run has written to this collector yet; read it after runPipeline resolves', { connector: TYPE });
    return this.#table;
  }

  /** Whether a run has finished writing here. */
  get filled(): boolean {
    return this.#table !== undefined;
  }

  /** @internal the sink's commit: all rows of one run at once, or nothing. */
  publish(table: Table): void {
    this.#table = table;
  }
}

const params = z.strictObject({
  into: z
    .custom<TableCollector>((v) => v instanceof TableCollector, { message: 'expected a TableCollector (new TableCollector() in code; table-sink is for code, YAML cannot hold one)' })
    .describe('TableCollector that receives the output as an Arrow Table, passed in code'),
});

/**
 * Collects the output into an Arrow Table in memory, for library users. Like a file sink it commits only a
 * complete run: the collector gets the table when the input ends, never a part of it. Source bookkeeping
 * (file, first row) is dropped from the schema metadata, the user's own metadata is kept; columns share the
 * batches' buffers, except dictionary columns, which get one dictionary per column as in an IPC file.
 */
export const tableSink = defineStage({
  type: TYPE,
  kind: 'sink',
  description: 'Collects the output into an in-memory Arrow Table (library use)',
  params,
  create(p, ctx): Sink {
    return closableSink(TYPE, 'table', async (input, { isClosed }) => {
      const guard = new SchemaGuard(TYPE, 'in-memory table');
      // A table has one type per column; batches may each bring their own dictionary (one per Parquet row group).
      const dictionaries = new DictionaryUnifier(TYPE);
      const held: RecordBatch[] = [];
      let schema: Schema | undefined;
      let index = 0;
      for await (const original of input) {
        checkWritable(ctx.signal, isClosed, TYPE, 'table');
        const batch = dictionaries.unify(original);
        guard.check(batch, index++);
        schema ??= fileSchema(batch.schema);
        held.push(relabel(batch, schema));
      }
      const table = schema === undefined ? new Table() : new Table(schema, held);
      p.into.publish(table);
      return { rows: table.numRows, batches: held.length, target: 'table' };
    });
  },
});
