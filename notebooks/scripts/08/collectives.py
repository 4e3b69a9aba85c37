import json
import os

import torch
import torch.distributed as dist

dist.init_process_group("gloo")  # reads RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT set by torchrun
rank, world = dist.get_rank(), dist.get_world_size()
seen = {"RANK": os.environ["RANK"], "LOCAL_RANK": os.environ["LOCAL_RANK"], "WORLD_SIZE": os.environ["WORLD_SIZE"],
        "backend": dist.get_backend(), "threads": torch.get_num_threads()}

x = torch.tensor([rank + 1.0, 10.0 * (rank + 1)])  # rank 0 holds [1, 10], rank 1 holds [2, 20]
seen["mine"] = x.tolist()
total = x.clone()
dist.all_reduce(total)  # sum over ranks, written into `total` on every rank
seen["all_reduce(sum)"] = total.tolist()
largest = x.clone()
dist.all_reduce(largest, op=dist.ReduceOp.MAX)
seen["all_reduce(max)"] = largest.tolist()
copied = x.clone()
dist.broadcast(copied, src=0)  # rank 0's tensor, copied into every rank's
seen["broadcast(src=0)"] = copied.tolist()
gathered = [torch.zeros(2) for _ in range(world)]
dist.all_gather(gathered, x)  # every rank's tensor, in rank order, on every rank
seen["all_gather"] = [t.tolist() for t in gathered]
dist.barrier()  # nobody writes results before everybody got here

with open(f"collectives_rank{rank}.json", "w") as f:
    json.dump(seen, f)
dist.barrier()  # leave together: a rank that tears down while its peer still talks to it can abort it
dist.destroy_process_group()
