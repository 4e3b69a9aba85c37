"""Read a GGUF file (notebook 10): header, metadata, tensor table, and tensors dequantized to float32.

GGUF is llama.cpp's single-file format for a model: a header, key-value metadata (architecture,
hyperparameters, tokenizer, chat template), a table of tensors (name, shape, type, offset), then the tensor
data, aligned. Quantized types store weights in blocks; Q4_1 keeps 32 weights in 20 bytes: a float16 scale
d, a float16 minimum m and 32 four-bit codes q, each weight being d * q + m. Q8_0 keeps 32 weights in 34
bytes: a float16 scale d and 32 signed bytes q, each weight being d * q (SmolLM2's file stores its embedding so).

llama.cpp's converter also reorders the rows of the query and key projections for its rotary layout;
`unpermute_qk` puts them back in the order PyTorch implementations (and Hugging Face's Llama) expect.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

MAGIC = b"GGUF"
# metadata value types (the GGUF specification's gguf_type): a struct format each; 8 = string, 9 = array
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9
# tensor types this reader dequantizes (ggml_type): name, weights per block, bytes per block
TENSOR_TYPES = {0: ("F32", 1, 4), 1: ("F16", 1, 2), 3: ("Q4_1", 32, 20), 8: ("Q8_0", 32, 34), 30: ("BF16", 1, 2)}


@dataclass(frozen=True)
class TensorInfo:
    """One entry of the tensor table: `shape` in PyTorch's order (GGUF lists the fastest dimension first)."""

    name: str
    shape: tuple[int, ...]
    type_id: int
    offset: int  # from the start of the file
    nbytes: int

    @property
    def type_name(self) -> str:
        """The storage type's name, e.g. 'Q4_1' or 'F32'."""
        return TENSOR_TYPES.get(self.type_id, (f"ggml type {self.type_id}",))[0]


@dataclass(frozen=True)
class GGUFFile:
    """A parsed GGUF file: format version, metadata dict and tensor table; tensor data stays on disk."""

    path: Path
    version: int
    metadata: dict
    tensors: dict[str, TensorInfo]


class _Reader:
    def __init__(self, data: bytes, path: Path) -> None:
        self.data, self.pos, self.path = data, 0, path

    def take(self, fmt: str):
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise ValueError(f"{self.path} ends early, {len(self.data):,} bytes into its header: the file is "
                             f"truncated (an interrupted download or copy). Fetch or copy it again.")
        (value,) = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return value

    def string(self) -> str:
        n = self.take("<Q")
        raw = self.data[self.pos: self.pos + n]
        if len(raw) < n:
            self.take(f"<{n}s")  # raises the truncation error
        self.pos += n
        return raw.decode("utf-8", errors="replace")

    def value(self, kind: int):
        if kind in _SCALARS:
            return self.take(_SCALARS[kind])
        if kind == _STRING:
            return self.string()
        if kind == _ARRAY:
            item_kind, count = self.take("<I"), self.take("<Q")
            return [self.value(item_kind) for _ in range(count)]
        raise ValueError(f"{self.path}: unknown metadata value type {kind}; the file is corrupt or not GGUF.")


def read_gguf(path: str | os.PathLike) -> GGUFFile:
    """Parse the header, metadata and tensor table of the GGUF file at `path` (the tensors are read later)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No GGUF file at {path}" + (" (that is a folder)." if path.is_dir() else "."))
    data = path.read_bytes()
    if data[:4] != MAGIC:
        raise ValueError(f"{path} is not a GGUF file: it starts with {data[:4]!r}, not {MAGIC!r}. Pass a .gguf "
                         f"file (llama.cpp's format), not a safetensors, .pt or .bin checkpoint.")
    r = _Reader(data, path)
    r.pos = 4
    version = r.take("<I")
    if version not in (2, 3):
        raise ValueError(f"{path} is GGUF version {version}; this reader knows versions 2 and 3.")
    n_tensors, n_kv = r.take("<Q"), r.take("<Q")
    metadata = {}
    for _ in range(n_kv):
        key = r.string()
        metadata[key] = r.value(r.take("<I"))
    infos = []
    for _ in range(n_tensors):
        name = r.string()
        dims = [r.take("<Q") for _ in range(r.take("<I"))]
        infos.append((name, tuple(reversed(dims)), r.take("<I"), r.take("<Q")))
    alignment = metadata.get("general.alignment", 32)
    start = (r.pos + alignment - 1) // alignment * alignment  # the data section starts aligned
    tensors = {}
    for name, shape, type_id, offset in infos:
        count = int(np.prod(shape))
        _, per_block, block_bytes = TENSOR_TYPES.get(type_id, ("", 1, 0))
        nbytes = count // per_block * block_bytes
        if start + offset + nbytes > len(data):
            raise ValueError(f"{path} is truncated: tensor {name!r} needs bytes up to {start + offset + nbytes:,} "
                             f"but the file has {len(data):,}. Fetch or copy it again.")
        tensors[name] = TensorInfo(name, shape, type_id, start + offset, nbytes)
    return GGUFFile(path, version, metadata, tensors)


def _blocks(data: np.ndarray | bytes, block_bytes: int, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Split quantized data into blocks (n, block_bytes); return them and each block's float16 scale d (n, 1)."""
    raw = np.frombuffer(data, dtype=np.uint8) if isinstance(data, bytes) else np.asarray(data, np.uint8)
    if raw.size % block_bytes:
        raise ValueError(f"{name} data comes in blocks of {block_bytes} bytes; got {raw.size:,} bytes.")
    raw = raw.reshape(-1, block_bytes)
    return raw, raw[:, 0:2].copy().view(np.float16).astype(np.float32)


def dequantize_q4_1(blocks: np.ndarray | bytes) -> torch.Tensor:
    """Return the float32 weights of Q4_1 blocks (20 bytes each: scale d, minimum m, 16 bytes of 4-bit codes)."""
    raw, d = _blocks(blocks, 20, "Q4_1")
    m = raw[:, 2:4].copy().view(np.float16).astype(np.float32)  # (blocks, 1)
    codes = raw[:, 4:]  # (blocks, 16): weight j in the low nibble of byte j, weight j + 16 in its high nibble
    q = np.concatenate([codes & 0x0F, codes >> 4], axis=1).astype(np.float32)  # (blocks, 32)
    return torch.from_numpy(d * q + m).flatten()


def dequantize_q8_0(blocks: np.ndarray | bytes) -> torch.Tensor:
    """Return the float32 weights of Q8_0 blocks (34 bytes each: scale d, then 32 signed 8-bit codes)."""
    raw, d = _blocks(blocks, 34, "Q8_0")
    q = raw[:, 2:].copy().view(np.int8).astype(np.float32)  # (blocks, 32)
    return torch.from_numpy(d * q).flatten()


def load_tensor(gguf: GGUFFile, name: str) -> torch.Tensor:
    """Return tensor `name` of `gguf` as float32, in PyTorch's shape (e.g. (out_features, in_features))."""
    if name not in gguf.tensors:
        raise KeyError(f"{gguf.path.name} has no tensor {name!r}; it has {len(gguf.tensors)} tensors, e.g. "
                       f"{', '.join(list(gguf.tensors)[:3])}.")
    info = gguf.tensors[name]
    with open(gguf.path, "rb") as f:
        f.seek(info.offset)
        raw = f.read(info.nbytes)
    if info.type_id == 0:
        flat = torch.from_numpy(np.frombuffer(raw, dtype=np.float32).copy())
    elif info.type_id == 1:
        flat = torch.from_numpy(np.frombuffer(raw, dtype=np.float16).astype(np.float32))
    elif info.type_id == 30:
        flat = torch.from_numpy(np.frombuffer(raw, dtype=np.int16).copy()).view(torch.bfloat16).float()
    elif info.type_id == 3:
        flat = dequantize_q4_1(raw)
    elif info.type_id == 8:
        flat = dequantize_q8_0(raw)
    else:
        raise ValueError(f"Tensor {name!r} is stored as {info.type_name}; this reader dequantizes "
                         f"{', '.join(t[0] for t in TENSOR_TYPES.values())} only.")
    return flat.reshape(info.shape)


def unpermute_qk(weight: torch.Tensor, n_heads: int) -> torch.Tensor:
    """Undo llama.cpp's row order of a query or key projection (out, in): back to rotate-half rotary order.

    Per head, llama.cpp interleaves the two halves that rotary embeddings pair up (rows 0, d/2, 1, d/2 + 1, ...);
    Hugging Face's Llama keeps them as two blocks (rows 0 .. d/2 - 1, then d/2 .. d - 1).
    """
    out, *rest = weight.shape
    if out % (2 * n_heads):
        raise ValueError(f"{out} rows cannot be split into {n_heads} heads of an even size.")
    return weight.reshape(n_heads, out // n_heads // 2, 2, *rest).transpose(1, 2).reshape(weight.shape)
