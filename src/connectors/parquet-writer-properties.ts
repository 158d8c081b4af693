import * as pw from 'parquet-wasm/node';
import type { EncoderSetup } from './parquet-encoder-protocol.js';

const CODECS = {
  none: pw.Compression.UNCOMPRESSED,
  snappy: pw.Compression.SNAPPY,
  gzip: pw.Compression.GZIP,
  zstd: pw.Compression.ZSTD,
} as const;

/** parquet-wasm writer properties for `setup` (parquet-wasm takes ownership of them: build right before use). */
export function writerProperties(setup: EncoderSetup): pw.WriterProperties {
  let builder = new pw.WriterPropertiesBuilder().setCompression(CODECS[setup.compression]).setMaxRowGroupSize(setup.rowGroupRows);
  for (const name of setup.plainColumns) builder = builder.setColumnDictionaryEnabled(name, false);
  return builder.build();
}
