"""learnlib: the small, tested helpers behind the "PyTorch 2 from Zero" notebooks.

Import it as `import learnlib as ll`; the most used functions are re-exported here, and each concern lives
in its own module: device, seed, env (LEARNLIB_QUICK, LEARNLIB_DATA), train, metrics, plot, graph, data,
mnist, cifar, augment, models, finetune, pretrained, checkpoint, atomic, results, timing, and for language
models text (corpora, character vocabulary, batches), gpt (a small GPT, KV-cache generation) and lora.
"""

from .device import describe_device, get_device
from .env import data_root, quick_mode
from .metrics import accuracy
from .results import record_metrics
from .seed import seed_everything
from .train import evaluate, fit, train_one_epoch

__version__ = "0.1.0"

__all__ = [
    "accuracy",
    "data_root",
    "describe_device",
    "evaluate",
    "fit",
    "get_device",
    "quick_mode",
    "record_metrics",
    "seed_everything",
    "train_one_epoch",
]
