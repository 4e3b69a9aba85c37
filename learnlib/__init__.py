"""learnlib: the small, tested helpers behind the "PyTorch 2 from Zero" notebooks.

Import it as `import learnlib as ll`; the most used functions are re-exported here. Each concern lives in
its own module, and each module's docstring names the notebook that teaches it:

- set-up: env (every environment variable), device, seed, errors (one-line error reasons), exercises (solutions
  whose printout stays folded after it runs), show (a repository script displayed in its notebook)
- training: train (train_one_epoch, evaluate, fit, predict), loop_checks (their input checks), metrics, plot,
  graph; distributed (notebook 08's task for its torchrun scripts)
- data: data (loaders, statistics), mnist, cifar, augment
- models: models (MNIST CNN, SmallResNet), finetune, pretrained
- files: checkpoint, atomic, results (headline metrics for the benchmark harness)
- speed: timing (fair timings for torch.compile and friends)
- language models: text (corpora, character vocabulary, batches), gpt (a small GPT, KV-cache generation), lora;
  gguf (llama.cpp's file format), llama (a Llama and its KV cache), generate (sampling), smollm2 (a real
  pretrained model, offline), datetask (a seeded fine-tuning task and its grader), sft (loss on answers)
"""

from importlib.metadata import PackageNotFoundError, version

from .device import describe_device, get_autocast_dtype, get_device
from .env import data_root, quick_mode
from .exercises import folded
from .metrics import accuracy
from .results import record_metrics
from .seed import seed_everything
from .show import show_script
from .train import evaluate, fit, predict, train_one_epoch

try:
    __version__ = version("learnlib")  # the one version number lives in pyproject.toml
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "accuracy",
    "data_root",
    "describe_device",
    "evaluate",
    "fit",
    "folded",
    "get_autocast_dtype",
    "get_device",
    "predict",
    "quick_mode",
    "record_metrics",
    "seed_everything",
    "show_script",
    "train_one_epoch",
]
