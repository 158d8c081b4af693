/** Messages between parquet-source (parquet-decoder.ts) and its decoding thread (parquet-worker.ts). */

/** What the thread decodes: the source's open descriptor of a regular file, or the bytes of a pipe. */
export interface DecoderSetup {
  fd?: number;
  bytes?: Uint8Array;
  /** File size in bytes (with `fd`). */
  size: number;
  /** Rows per Arrow batch inside a decoded row group. */
  batchSize: number;
}

/** Opens a file (a thread decodes one file at a time), reads one row group, or lets the file go. */
export type DecoderRequest = { kind: 'open'; setup: DecoderSetup } | { kind: 'read'; group: number } | { kind: 'release' };

/** The footer was read: row-group count and the Arrow schema as an IPC stream. */
export interface DecoderOpened {
  kind: 'opened';
  groups: number;
  schema: Uint8Array;
}

/** One row group as an Arrow IPC stream. */
export interface DecoderGroup {
  kind: 'group';
  group: number;
  ipc: Uint8Array;
}

/** parquet-wasm rejected the footer or a row group (an error it returned, not a crash). */
export interface DecoderFailed {
  kind: 'failed';
  phase: 'footer' | 'read';
  message: string;
}

/** The file was let go; the thread can take another. */
export interface DecoderReleased {
  kind: 'released';
}

export type DecoderReply = DecoderOpened | DecoderGroup | DecoderFailed | DecoderReleased;
