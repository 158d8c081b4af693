"""pyarrow's side of bench/csv-ingest.ts: pyarrow.csv.read_csv of the benchmark's file, then pyarrow.parquet.write_table
of the table, each timed (wall and process CPU) over REPEATS runs, plus the process's peak RSS. The write is timed
twice: with pyarrow's default codec (snappy) and with zstd, latentflow's parquet-sink default, so the score can be
compared with a write of the same kind. Prints one JSON object.

Usage: python bench/csv_ingest_pyarrow.py CSV PARQUET_OUT REPEATS
"""
import json
import resource
import sys
import time

import pyarrow
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

path, out, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
read, read_cpu, write, write_cpu, zstd, zstd_cpu = [], [], [], [], [], []
rows = 0
for _ in range(repeats):
    started, cpu = time.perf_counter(), time.process_time()
    table = pacsv.read_csv(path)
    read.append(time.perf_counter() - started)
    # All threads of this process (read_csv uses every core).
    read_cpu.append(time.process_time() - cpu)
    started, cpu = time.perf_counter(), time.process_time()
    pq.write_table(table, out)
    write.append(time.perf_counter() - started)
    write_cpu.append(time.process_time() - cpu)
    started, cpu = time.perf_counter(), time.process_time()
    pq.write_table(table, out, compression="zstd")
    zstd.append(time.perf_counter() - started)
    zstd_cpu.append(time.process_time() - cpu)
    rows = table.num_rows
    del table
print(json.dumps({
    "pyarrow": pyarrow.__version__,
    "rows": rows,
    "read": read, "readCpu": read_cpu, "write": write, "writeCpu": write_cpu, "writeZstd": zstd, "writeZstdCpu": zstd_cpu,
    # ru_maxrss is in KiB on Linux.
    "maxRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
