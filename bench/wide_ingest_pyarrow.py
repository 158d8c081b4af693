"""pyarrow's side of bench/wide-ingest.ts.

write ROWS COLUMNS SEED PARQUET ARROW: a seeded float32 table (ROWS x COLUMNS, columns f0..), written as Parquet
(pyarrow's defaults: snappy, dictionary on, 1Mi-row groups capped at 64 MiB... here row groups of 65,536 rows, as
parquet-sink writes) and as an uncompressed Arrow IPC file.
read PARQUET ARROW REPEATS: pq.read_table and pa.ipc.open_file(...).read_all() of those files, each timed (wall
and process CPU, all threads) over REPEATS runs. Prints one JSON object.
"""
import json
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

mode = sys.argv[1]
if mode == "write":
    rows, columns, seed, parquet, arrow = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
    rng = np.random.default_rng(seed)
    table = pa.table({f"f{c}": rng.standard_normal(rows, dtype=np.float32) for c in range(columns)})
    pq.write_table(table, parquet, row_group_size=65536)
    with pa.OSFile(arrow, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table, max_chunksize=8192)
    print(json.dumps({"rows": rows, "columns": columns}))
else:
    parquet, arrow, repeats = sys.argv[2], sys.argv[3], int(sys.argv[4])
    out = {"pyarrow": pa.__version__}
    for name, read in [("parquet", lambda: pq.read_table(parquet)), ("arrow", lambda: pa.ipc.open_file(pa.OSFile(arrow)).read_all())]:
        wall, cpu = [], []
        for _ in range(repeats):
            started, c = time.perf_counter(), time.process_time()
            table = read()
            wall.append(time.perf_counter() - started)
            cpu.append(time.process_time() - c)
            out[f"{name}Rows"] = table.num_rows
            del table
        out[name], out[f"{name}Cpu"] = wall, cpu
    print(json.dumps(out))
