/** Messages between parquet-sink (parquet-encoder.ts) and its encoding thread (parquet-encoder-worker.ts). */

/** How the file is written: parquet-sink's params, and the columns written without a dictionary. */
export interface EncoderSetup {
  compression: 'zstd' | 'snappy' | 'gzip' | 'none';
  rowGroupRows: number;
  /** Columns written without a dictionary (float columns; see parquet-sink). */
  plainColumns: string[];
}

/** Starts a file, hands over one batch (an Arrow IPC stream), or ends the input. */
export type EncoderRequest = { kind: 'start'; setup: EncoderSetup } | { kind: 'batch'; ipc: Uint8Array } | { kind: 'end' };

/**
 * The writer wants the next batch (`pull`), produced bytes of the file (`bytes`, in file order), finished
 * the file (`done`), or returned an error (`failed`).
 */
export type EncoderReply = { kind: 'pull' } | { kind: 'bytes'; bytes: Uint8Array } | { kind: 'done' } | { kind: 'failed'; message: string };
