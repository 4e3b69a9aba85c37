import torch
import torch.distributed as dist

from learnlib.distributed import save_json

dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()
right, left = (rank + 1) % world, (rank - 1) % world  # the ring: send to the right, receive from the left
torch.manual_seed(rank)
grad = torch.randn(world * 4)  # this rank's "gradient": `world` chunks of 4 values
expected = grad.clone()
dist.all_reduce(expected)  # the library's answer, to check against
chunks = list(grad.chunk(world))  # chunk c of every rank must end up summed on every rank
sent = 0


def pass_on(send_c, recv_c):
    # Send chunk send_c to the right while receiving chunk recv_c from the left; return what arrived.
    global sent
    incoming = torch.empty_like(chunks[recv_c])
    request = dist.isend(chunks[send_c], dst=right)  # non-blocking: every rank sends and receives at once
    dist.recv(incoming, src=left)
    request.wait()
    sent += chunks[send_c].numel()
    return incoming


for step in range(world - 1):  # reduce-scatter: each chunk travels the ring once, adding every rank's part
    send_c, recv_c = (rank - step) % world, (rank - step - 1) % world
    chunks[recv_c] = chunks[recv_c] + pass_on(send_c, recv_c)
# now chunk (rank + 1) % world holds the sum over all ranks; the others are partial sums
for step in range(world - 1):  # all-gather: the finished chunks travel the ring once more
    send_c, recv_c = (rank + 1 - step) % world, (rank - step) % world
    chunks[recv_c] = pass_on(send_c, recv_c)

result = torch.cat(chunks)
save_json("ring", rank, {"difference": (result - expected).abs().max().item(), "sent": sent, "size": grad.numel()})
dist.barrier()  # leave together, as in collectives.py
dist.destroy_process_group()
