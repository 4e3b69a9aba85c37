"""Notebook 09's server (notebooks/scripts/09/serve_mnist.py), run as the file it is, against a tiny ONNX model."""

import importlib.util
import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

SERVER = Path(__file__).resolve().parents[1] / "notebooks" / "scripts" / "09" / "serve_mnist.py"


def load_server_module():
    spec = importlib.util.spec_from_file_location("serve_mnist", SERVER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_parse_normalises_with_the_given_statistics_and_rejects_bad_bodies():
    server = load_server_module()
    x = server.parse(json.dumps({"pixels": [[255] * 28] * 28}).encode(), 0.5, 0.25)
    assert x.shape == (1, 1, 28, 28) and x.dtype == np.float32 and np.all(x == 2.0)  # (1 - 0.5) / 0.25
    for body, message in [(b"{pixels", "not valid JSON"), (b'{"image": 1}', 'key "pixels"'),
                          (json.dumps({"pixels": [[0] * 28] * 27}).encode(), r"got shape \(27, 28\)"),
                          (json.dumps({"pixels": [[300] * 28] * 28}).encode(), "between 0 and 255")]:
        with pytest.raises(server.BadRequest, match=message):
            server.parse(body, 0.5, 0.25)


@pytest.fixture
def model_file(tmp_path):
    """An ONNX model with the CNN's interface, (1, 1, 28, 28) 'images' -> 10 logits, that always answers 3."""
    bias = np.zeros(10, dtype=np.float32)
    bias[3] = 5.0
    graph = helper.make_graph(
        [helper.make_node("Flatten", ["images"], ["flat"]),
         helper.make_node("MatMul", ["flat", "w"], ["scores"]),
         helper.make_node("Add", ["scores", "b"], ["logits"])],
        "always_three",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 1, 28, 28])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 10])],
        [numpy_helper.from_array(np.zeros((784, 10), dtype=np.float32), "w"), numpy_helper.from_array(bias, "b")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path = tmp_path / "model.onnx"
    onnx.save(model, path)
    return path


def call(url, body=None):
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_server_answers_checks_and_stops_cleanly(model_file):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, SERVER, model_file, "--port", str(port), "--mean", "0.1307",
                             "--std", "0.3081"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                assert call(url + "/health") == (200, {"status": "ok"})
                break
            except urllib.error.URLError:
                assert proc.poll() is None, proc.stderr.read()
                time.sleep(0.1)
        status, answer = call(url + "/predict", json.dumps({"pixels": [[0] * 28] * 28}).encode())
        assert status == 200 and answer == {"digit": 3, "probability": round(np.exp(5) / (np.exp(5) + 9), 4)}
        assert call(url + "/predict", b"{pixels")[0] == 400
        assert call(url + "/nowhere")[0] == 404
        assert call(url + "/predict", b" " * 100_001)[0] == 413
        assert call(url + "/health")[0] == 200  # still up after the bad requests
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0  # SIGTERM -> a clean exit
