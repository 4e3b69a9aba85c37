import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler

from learnlib.distributed import load_settings, loss_of, make_model, make_optimizer, save_json, windows

S = load_settings()  # settings.json, written by the notebook into the folder the script runs in
dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()
data, vocab_size = windows(S)
sampler = DistributedSampler(data, num_replicas=world, rank=rank, shuffle=True, seed=S["seed"])
loader = DataLoader(data, batch_size=S["batch_size"] // world, sampler=sampler)  # this rank's share of a batch
model = DDP(make_model(S, vocab_size))  # broadcasts rank 0's weights; all-reduces gradients during backward
optimizer = make_optimizer(S, model)

losses = []
for epoch in range(S["epochs"]):
    sampler.set_epoch(epoch)  # a new permutation each epoch, the same on every rank
    for x, y in loader:
        loss = loss_of(model, x, y)
        optimizer.zero_grad()
        loss.backward()  # DDP averages the gradients over the ranks here
        optimizer.step()  # the same step on every rank: the copies stay identical
        mean = loss.detach().clone()
        dist.all_reduce(mean)  # for the log only: the loss of the global batch
        losses.append(mean.item() / world)

if rank == 0:
    torch.save(model.module.state_dict(), "ddp_final.pt")  # .module: the model inside the DDP wrapper
save_json("ddp", rank, {"losses": losses})
dist.barrier()  # leave together, as in collectives.py
dist.destroy_process_group()
