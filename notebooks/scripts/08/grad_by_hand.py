import torch
import torch.distributed as dist

from learnlib.distributed import load_settings, loss_of, make_model, save_json, windows

S = load_settings()  # settings.json, written by the notebook into the folder the script runs in
dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()
data, vocab_size = windows(S)
x, y = data[: S["batch_size"]]  # one global batch (32, 64); each rank will use only its share
model = make_model(S, vocab_size)
with torch.no_grad():
    for p in model.parameters():
        dist.broadcast(p, src=0)  # start from rank 0's weights (the seed already agrees; this guarantees it)

share = S["batch_size"] // world
mine = slice(rank * share, (rank + 1) * share)  # rank 0: windows 0-15, rank 1: windows 16-31
loss = loss_of(model, x[mine], y[mine])
loss.backward()
own = model.tok_emb.weight.grad.clone()  # this rank's gradient, from its half of the batch only

for p in model.parameters():
    dist.all_reduce(p.grad)  # the sum of both ranks' gradients, in place, on every rank
    p.grad /= world  # the mean: the gradient of the whole batch

if rank == 0:
    torch.save({name: p.grad for name, p in model.named_parameters()}, "grads_by_hand.pt")
save_json("grad", rank, {"windows": [mine.start, mine.stop - 1], "loss": loss.item(),
                         "own_norm": own.norm().item(), "averaged_norm": model.tok_emb.weight.grad.norm().item()})
dist.barrier()  # leave together, as in collectives.py
dist.destroy_process_group()
