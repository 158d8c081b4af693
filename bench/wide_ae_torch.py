"""PyTorch's side of bench/wide.ts (issue 14 item 2): one training epoch of the same autoencoder as latentflow's
(bench/wide-ae.ts: dense layers of WIDTHS, relu hidden layers, linear code and output, mean squared error over rows
and features, Adam with tfjs' epsilon 1e-7, Glorot-uniform kernels and zero biases, rows shuffled each epoch, the
last batch smaller), on one thread (torch.set_num_threads(1)) unless THREADS says otherwise. Each of REPEATS runs
builds a fresh network (seed + run) and trains one epoch over every row; one untimed warm-up run comes first (the
first call in a process initialises oneDNN / MKL). Times: wall (perf_counter) and process CPU (process_time, all
threads). Prints one JSON object on stdout.

Usage: python bench/wide_ae_torch.py FILE ROWS COLS WIDTHS LR BATCH REPEATS SEED [THREADS]
       (FILE: raw little-endian float32, row-major; WIDTHS like 784,256,30,256,784)
"""
import json
import sys
import time

import torch

path, rows, cols = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
widths = [int(w) for w in sys.argv[4].split(",")]
lr, batch, repeats, seed = float(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
threads = int(sys.argv[9]) if len(sys.argv) > 9 else 1
torch.set_num_threads(threads)
with open(path, "rb") as f:
    x = torch.frombuffer(bytearray(f.read()), dtype=torch.float32).reshape(rows, cols)
assert widths[0] == cols and widths[-1] == cols, f"widths {widths} must start and end with the {cols} columns"
code_layer = (len(widths) - 1) // 2 - 1


def network(run_seed):
    torch.manual_seed(run_seed)
    layers = []
    for i in range(len(widths) - 1):
        dense = torch.nn.Linear(widths[i], widths[i + 1])
        torch.nn.init.xavier_uniform_(dense.weight)
        torch.nn.init.zeros_(dense.bias)
        layers.append(dense)
        # Linear code and output layers, relu elsewhere (latentflow's defaults).
        if i != code_layer and i != len(widths) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def epoch(run_seed):
    model = network(run_seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, eps=1e-7)
    loss_fn = torch.nn.MSELoss()
    order = torch.randperm(rows, generator=torch.Generator().manual_seed(run_seed))
    total = torch.zeros(())
    for start in range(0, rows, batch):
        xb = x[order[start:start + batch]]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), xb)
        loss.backward()
        optimizer.step()
        # Accumulated without a host read per step, as latentflow's loop does; read once per epoch.
        total += loss.detach() * xb.shape[0]
    return float(total) / rows


epoch(seed)
seconds, cpu_seconds, losses = [], [], []
for r in range(repeats):
    started, cpu_started = time.perf_counter(), time.process_time()
    losses.append(epoch(seed + 1 + r))
    seconds.append(time.perf_counter() - started)
    cpu_seconds.append(time.process_time() - cpu_started)
print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "seconds": seconds, "cpuSeconds": cpu_seconds, "loss": losses}))
