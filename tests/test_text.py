"""Text corpora: the real offline mirror when present, downloads from a local HTTP server, and every error path."""

import hashlib
import http.server
import shutil
import socket
import threading
from pathlib import Path

import pytest
import torch

from learnlib.text import CORPORA, build_vocab, decode, encode, evaluate_lm, get_batch, load_corpus, split_ids

MIRROR = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
needs_mirror = pytest.mark.skipif(not (MIRROR / "text").is_dir(), reason="offline text mirror not present")


@pytest.fixture
def server(tmp_path):
    """Serve the folder tmp_path/served on 127.0.0.1 from a thread; yield its base URL."""
    served = tmp_path / "served"
    served.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(served), **kwargs)

        def log_message(self, *args):  # keep pytest's output clean
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield served, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    thread.join()


@needs_mirror
def test_loads_both_corpora_from_the_read_only_mirror():
    shakespeare = load_corpus("tinyshakespeare", MIRROR)
    milton = load_corpus("paradise_lost", MIRROR)
    assert len(shakespeare) == 1_115_394 and shakespeare.startswith("First Citizen:\nBefore we proceed")
    assert len(milton) == 465_071 and not milton.endswith("\x1a")  # the DOS end-of-file mark is stripped
    assert len(set(shakespeare)) == 65 and len(set(milton)) == 65


@needs_mirror
def test_downloads_a_missing_file_from_a_local_server_and_checks_it(tmp_path, server):
    served, base = server
    shutil.copy(MIRROR / "text" / "tinyshakespeare.txt", served / "input.txt")
    text = load_corpus("tinyshakespeare", tmp_path / "root", url=f"{base}/input.txt")
    saved = tmp_path / "root" / "text" / "tinyshakespeare.txt"
    assert hashlib.md5(saved.read_bytes()).hexdigest() == CORPORA["tinyshakespeare"].md5
    assert text == load_corpus("tinyshakespeare", tmp_path / "root", download=False)  # now read from disk


def test_a_corrupt_download_is_reported_with_the_fix(tmp_path, server):
    served, base = server
    (served / "input.txt").write_text("not shakespeare")
    with pytest.raises(RuntimeError) as err:
        load_corpus("tinyshakespeare", tmp_path, url=f"{base}/input.txt")
    message = str(err.value)
    assert "unusable" in message and "15 bytes instead of 1,115,394" in message
    assert str(tmp_path / "text") in message and "md5 6fb458f1232090904fb40fe944165e91" in message


def test_same_size_but_wrong_md5(tmp_path):
    path = tmp_path / "text" / "paradise_lost.txt"
    path.parent.mkdir()
    path.write_bytes(b"x" * CORPORA["paradise_lost"].size)
    with pytest.raises(RuntimeError, match="its md5 is .*, not 732e8f310b479f689670276a24c467a4"):
        load_corpus("paradise_lost", tmp_path)


def test_http_error_is_one_clear_line(tmp_path, server):
    _, base = server
    with pytest.raises(RuntimeError) as err:
        load_corpus("tinyshakespeare", tmp_path, url=f"{base}/missing.txt")
    message = str(err.value)
    assert message.startswith("Could not download tinyshakespeare") and "404" in message
    assert str(tmp_path / "text") in message and len(message.splitlines()) == 1


def test_no_server_at_all(tmp_path):
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there now
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(RuntimeError, match="Could not download.*Without network access"):
        load_corpus("tinyshakespeare", tmp_path, url=f"http://127.0.0.1:{port}/input.txt", timeout=5)


def test_paradise_lost_has_no_known_url_so_the_error_says_where_to_put_it(tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        load_corpus("paradise_lost", tmp_path)
    message = str(err.value)
    assert str(tmp_path / "text" / "paradise_lost.txt") in message and "no download address" in message
    assert "465,072 bytes" in message and "Project Gutenberg" in message and "LEARNLIB_DATA" in message


def test_download_off(tmp_path):
    with pytest.raises(FileNotFoundError, match="download=False"):
        load_corpus("tinyshakespeare", tmp_path, download=False)


def test_unknown_corpus_name(tmp_path):
    with pytest.raises(ValueError, match="Unknown corpus 'hamlet'; choose one of 'tinyshakespeare'"):
        load_corpus("hamlet", tmp_path)


def test_vocab_encode_decode_round_trip():
    vocab = build_vocab("hello", "world!")
    assert vocab == "!dehlorw"
    ids = encode("hello world!".replace(" ", ""), vocab)
    assert ids.dtype == torch.int64 and ids.tolist() == [3, 2, 4, 4, 5, 7, 5, 6, 4, 1, 0]
    assert decode(ids, vocab) == "helloworld!" and decode(ids.tolist(), vocab) == "helloworld!"


def test_unknown_characters_are_named():
    with pytest.raises(ValueError, match=r"2 character\(s\) that are not in the vocabulary: 'xz'.*build_vocab"):
        encode("abxz", build_vocab("ab"))


def test_build_vocab_needs_text():
    with pytest.raises(ValueError, match="at least one non-empty string"):
        build_vocab()
    with pytest.raises(ValueError, match="at least one non-empty string"):
        build_vocab("")


def test_decode_rejects_ids_outside_the_vocabulary_and_batches():
    with pytest.raises(ValueError, match=r"outside the vocabulary \[0, 2\), e.g. 5"):
        decode([0, 5], "ab")
    with pytest.raises(ValueError, match="1-D"):
        decode(torch.zeros(2, 3, dtype=torch.long), "ab")


def test_split_is_contiguous_without_overlap():
    ids = torch.arange(100)
    train, val = split_ids(ids, 0.1)
    assert train.tolist() == list(range(90)) and val.tolist() == list(range(90, 100))
    with pytest.raises(ValueError, match="val_fraction must be between 0 and 1"):
        split_ids(ids, 1.5)
    with pytest.raises(ValueError, match="one token stream"):
        split_ids(ids.view(10, 10))


def test_batches_are_shifted_windows_and_seeded():
    ids = torch.arange(50)
    x, y = get_batch(ids, 8, 4, torch.Generator().manual_seed(0))
    assert x.shape == y.shape == (4, 8)
    assert torch.equal(y, x + 1)  # the target of each position is the next token
    assert torch.equal(x[:, 1:], x[:, :-1] + 1)  # windows are contiguous
    x2, _ = get_batch(ids, 8, 4, torch.Generator().manual_seed(0))
    assert torch.equal(x, x2)


def test_batch_errors():
    with pytest.raises(ValueError, match="block_size must be a positive integer, got 0"):
        get_batch(torch.arange(50), 0, 4)
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got -1"):
        get_batch(torch.arange(50), 8, -1)
    with pytest.raises(ValueError, match="longer than block_size"):
        get_batch(torch.arange(5), 8, 4)


def test_evaluate_lm_matches_a_hand_computed_cross_entropy():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Embedding(10, 10))  # logits = a learned row per input token
    ids = torch.randint(10, (41,))
    windows = ids[:40].view(5, 8), ids[1:41].view(5, 8)
    with torch.no_grad():
        expected = torch.nn.functional.cross_entropy(model(windows[0]).flatten(0, 1), windows[1].flatten())
    assert evaluate_lm(model, ids, 8, batch_size=2) == pytest.approx(expected.item(), rel=1e-6)
    assert model.training  # the mode is restored
    first_two = evaluate_lm(model, ids, 8, batch_size=2, max_windows=2)  # windows 0 and 4, evenly spaced
    with torch.no_grad():
        picked = [0, 4]
        ref = torch.nn.functional.cross_entropy(model(windows[0][picked]).flatten(0, 1), windows[1][picked].flatten())
    assert first_two == pytest.approx(ref.item(), rel=1e-6)
