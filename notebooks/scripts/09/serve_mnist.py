# serve_mnist.py: an MNIST digit classifier over HTTP, with the standard library and onnxruntime (notebook 09).
#   python serve_mnist.py model.onnx --port 8000 --mean 0.1307 --std 0.3081
#   (--mean and --std: the training set's statistics, to preprocess exactly as in training)
#   POST /predict {"pixels": 28 rows of 28 grey values 0-255} -> {"digit": 7, "probability": 0.99}
#   GET /health -> {"status": "ok"}
import argparse
import json
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import onnxruntime as ort

MAX_BYTES = 100_000  # a 28 x 28 image as JSON is about 4 kB


class BadRequest(ValueError):
    pass


def parse(body, mean, std):
    try:
        request = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadRequest("the body is not valid JSON") from None
    if not isinstance(request, dict) or "pixels" not in request:
        raise BadRequest('expected a JSON object with the key "pixels"')
    try:
        pixels = np.asarray(request["pixels"], dtype=np.float32)
    except (TypeError, ValueError):
        raise BadRequest('"pixels" must be 28 rows of 28 numbers') from None
    if pixels.shape != (28, 28):
        raise BadRequest(f'"pixels" must be 28 rows of 28 numbers, got shape {pixels.shape}')
    if not np.isfinite(pixels).all() or pixels.min() < 0 or pixels.max() > 255:
        raise BadRequest("pixel values must lie between 0 and 255")
    return ((pixels / 255 - mean) / std)[None, None]  # (1, 1, 28, 28), as the model was trained


class Handler(BaseHTTPRequestHandler):
    def reply(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/health":
            self.reply(200, {"status": "ok"})
        else:
            self.reply(404, {"error": f"no such endpoint: {self.path}"})

    def do_POST(self):
        if self.path != "/predict":
            return self.reply(404, {"error": f"no such endpoint: {self.path}"})
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BYTES:
            return self.reply(413, {"error": f"the body is larger than {MAX_BYTES} bytes"})
        try:
            images = parse(self.rfile.read(length), self.server.mean, self.server.std)
        except BadRequest as err:
            return self.reply(400, {"error": str(err)})
        logits = self.server.session.run(None, {"images": images})[0][0]
        p = np.exp(logits - logits.max())
        p /= p.sum()  # softmax
        self.reply(200, {"digit": int(p.argmax()), "probability": round(float(p.max()), 4)})

    def log_message(self, *args):  # no line on stderr per request
        pass


def main(argv=None):
    parser = argparse.ArgumentParser(description="Serve an MNIST ONNX model over HTTP on 127.0.0.1.")
    parser.add_argument("model", help="the .onnx file; its input is named 'images', shape (1, 1, 28, 28)")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mean", type=float, required=True, help="the training images' mean, in [0, 1]")
    parser.add_argument("--std", type=float, required=True, help="the training images' standard deviation")
    args = parser.parse_args(argv)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # a batch-1 request is too small to split; requests run in parallel
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # idle threads sleep
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)  # this machine only
    server.session = ort.InferenceSession(args.model, options, providers=["CPUExecutionProvider"])
    server.mean, server.std = args.mean, args.std
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # `kill PID` -> a clean exit
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
