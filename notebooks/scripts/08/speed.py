import time
from contextlib import nullcontext

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP

from learnlib.distributed import load_settings, loss_of, make_model, make_optimizer, save_json, windows

S = load_settings()  # settings.json, written by the notebook into the folder the script runs in
dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()
data, vocab_size = windows(S)
share = S["batch_size"] // world  # the global batch is the same: 1 x 32 or 2 x 16
x, y = data[rank * share: (rank + 1) * share]
model = DDP(make_model(S, vocab_size)) if world > 1 else make_model(S, vocab_size)
optimizer = make_optimizer(S, model)
flat = torch.zeros(sum(p.numel() for p in model.parameters()))  # as many floats as the gradient


def train_step():
    loss = loss_of(model, x, y)
    optimizer.zero_grad()
    loss.backward()  # with DDP: the gradients are all-reduced during backward
    optimizer.step()


def forward_backward():
    with model.no_sync() if world > 1 else nullcontext():  # the same work, without the all-reduce
        loss_of(model, x, y).backward()


def seconds_per_call(fn):
    for _ in range(S["warmup_steps"]):
        fn()
    dist.barrier()
    start = time.perf_counter()
    for _ in range(S["timed_steps"]):
        fn()
    dist.barrier()
    return (time.perf_counter() - start) / S["timed_steps"]


save_json(f"speed_{world}", rank, {
    "threads": torch.get_num_threads(), "step_s": seconds_per_call(train_step),
    "compute_s": seconds_per_call(forward_backward),
    "all_reduce_s": seconds_per_call(lambda: dist.all_reduce(flat)),
    "gradient_bytes": flat.numel() * flat.element_size()})
dist.barrier()  # leave together, as in collectives.py
dist.destroy_process_group()
