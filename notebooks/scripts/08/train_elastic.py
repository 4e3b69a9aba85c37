import os
from pathlib import Path

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler

from learnlib.checkpoint import load_checkpoint, save_checkpoint
from learnlib.distributed import load_settings, loss_of, make_model, make_optimizer, windows

S = load_settings()  # settings.json, written by the notebook into the folder the script runs in
dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()
attempt = int(os.environ["TORCHELASTIC_RESTART_COUNT"])  # 0 on the first start, 1 after one restart, ...
data, vocab_size = windows(S)
sampler = DistributedSampler(data, num_replicas=world, rank=rank, shuffle=True, seed=S["seed"])
loader = DataLoader(data, batch_size=S["batch_size"] // world, sampler=sampler)
model = DDP(make_model(S, vocab_size))
optimizer = make_optimizer(S, model)


def log(message):
    with open("elastic.log", "a") as f:
        f.write(f"attempt {attempt}, rank {rank}: {message}\n")


checkpoint, start = Path("checkpoint.pt"), 0
if checkpoint.exists():  # every rank reads rank 0's file: weights, optimizer state, step
    saved = load_checkpoint(checkpoint, model.module)
    optimizer.load_state_dict(saved["optimizer"])
    start = saved["step"]
if rank == 0:
    log(f"starting at step {start}")

step = 0
for epoch in range(S["epochs"]):
    sampler.set_epoch(epoch)
    for x, y in loader:
        if step >= start:  # batches before the checkpoint were already trained on
            if attempt == 0 and rank == 1 and step == S["crash_at"]:
                log(f"crashing at step {step}")
                raise RuntimeError("injected crash")
            loss = loss_of(model, x, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if (step + 1) % S["checkpoint_every"] == 0:
                if rank == 0:
                    save_checkpoint(checkpoint, model.module, optimizer=optimizer.state_dict(), step=step + 1)
                    log(f"checkpoint after step {step + 1}")
                dist.barrier()  # the checkpoint is on disk before any rank goes on
        step += 1

if rank == 0:
    torch.save(model.module.state_dict(), "elastic_final.pt")
    log(f"finished after step {step}")  # the number of steps of the whole run
dist.barrier()  # leave together, as in collectives.py
dist.destroy_process_group()
