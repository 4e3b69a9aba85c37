import torch
import torch.distributed as dist
from torch.distributed.device_mesh import init_device_mesh
from torch.distributed.fsdp import MixedPrecisionPolicy, fully_shard

from learnlib.distributed import load_settings, loss_of, make_model, save_json, windows

S = load_settings()  # settings.json, written by the notebook into the folder the script runs in
dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()
mesh = init_device_mesh("cpu", (world,))
data, vocab_size = windows(S)
share = S["batch_size"] // world
x, y = data[rank * share:(rank + 1) * share]  # this rank's half of the first global batch
policy = MixedPrecisionPolicy(param_dtype=torch.bfloat16, reduce_dtype=torch.float32)
model = make_model(S, vocab_size)
for block in model.blocks:
    fully_shard(block, mesh=mesh, mp_policy=policy)
fully_shard(model, mesh=mesh, mp_policy=policy)
seen = {}
layer = model.blocks[0].mlp[0]
layer.register_forward_hook(lambda m, inputs, out: seen.update(weight=str(m.weight.dtype), output=str(out.dtype)))
loss = loss_of(model, x, y)
loss.backward()
save_json("mixed", rank, {"weight inside forward": seen["weight"], "layer output": seen["output"],
                          "stored shard": str(layer.weight.dtype), "gradient shard": str(layer.weight.grad.dtype),
                          "loss": loss.item()})
dist.barrier()  # leave together, as in collectives.py
dist.destroy_process_group()
