import torch
import torch.distributed as dist
import torch.distributed.checkpoint as dcp
from torch.distributed.checkpoint.state_dict import get_state_dict
from torch.distributed.device_mesh import init_device_mesh
from torch.distributed.fsdp import fully_shard
from torch.distributed.tensor import DTensor
from torch.utils.data import DataLoader, DistributedSampler

from learnlib.distributed import load_settings, loss_of, make_model, make_optimizer, save_json, windows

S = load_settings()  # settings.json, written by the notebook into the folder the script runs in
dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()
mesh = init_device_mesh("cpu", (world,))  # a 1-D mesh: the 2 processes, on the CPU
data, vocab_size = windows(S)
sampler = DistributedSampler(data, num_replicas=world, rank=rank, shuffle=True, seed=S["seed"])
loader = DataLoader(data, batch_size=S["batch_size"] // world, sampler=sampler)
model = make_model(S, vocab_size)
for block in model.blocks:
    fully_shard(block, mesh=mesh)  # one unit per block: its parameters are gathered together, just in time
fully_shard(model, mesh=mesh)  # the rest (embeddings, final LayerNorm, tied head) in the root unit
weight = model.blocks[0].mlp[0].weight
layout = {"type": type(weight).__name__, "placements": str(weight.placements), "global shape": list(weight.shape),
          "local shape": list(weight.to_local().shape), "tok_emb local": list(model.tok_emb.weight.to_local().shape)}
optimizer = make_optimizer(S, model)  # created after sharding: its state will be sharded DTensors too

losses = []
for epoch in range(S["epochs"]):
    sampler.set_epoch(epoch)
    for x, y in loader:
        loss = loss_of(model, x, y)
        optimizer.zero_grad()
        loss.backward()  # gradients reduce-scattered: each rank keeps the averaged gradient of its shard
        optimizer.step()  # each rank updates only its shard
        mean = loss.detach().clone()
        dist.all_reduce(mean)
        losses.append(mean.item() / world)


def local_bytes(t):
    t = t.to_local() if isinstance(t, DTensor) else t  # the part stored in this process
    return t.numel() * t.element_size()


params = sum(local_bytes(p) for p in model.parameters())
state = sum(local_bytes(v) for s in optimizer.state.values() for v in s.values() if torch.is_tensor(v))
# A distributed checkpoint (DCP): every rank writes only its own shards, in parallel, and a metadata file records
# which slice of which tensor is where. No rank ever holds the full model, which is the point at scale.
model_state, optimizer_state = get_state_dict(model, optimizer)  # sharded, under the plain model's names
dcp.save({"model": model_state, "optimizer": optimizer_state}, checkpoint_id="fsdp_checkpoint")
save_json("fsdp", rank, {"losses": losses, "param_bytes": params, "state_bytes": state, "layout": layout})
dist.barrier()  # leave together, as in collectives.py
dist.destroy_process_group()
