"""Run the fake stand-alone (benchmarks, ``FakeGemini.start(in_subprocess=True)``):
``python -m vidcompare.testing.fake_gemini --port 8765 [--model my-model] [--rpm 60]`` prints
``FAKE_GEMINI_URL=http://127.0.0.1:8765`` once it listens, and serves until SIGTERM or
Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import signal

from vidcompare.quotas import ModelQuota
from vidcompare.testing import fake_gemini
from vidcompare.testing.fake_gemini.catalogue import as_model_resource
from vidcompare.testing.fake_gemini.server import FakeGeminiApp, make_fake_server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog=f"python -m {fake_gemini.__name__}", description=fake_gemini.__doc__.splitlines()[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--valid-key", action="append", help="accept only these API keys")
    parser.add_argument("--latency-ms", type=int, default=0, help="latency of every model")
    parser.add_argument("--active-after-polls", type=int, default=1)
    parser.add_argument("--processing-ms", type=int, default=0)
    parser.add_argument(
        "--model", action="append", default=[], help="also list this model id (a video model)"
    )
    parser.add_argument("--rpm", type=int, help="requests per minute allowed each model")
    parser.add_argument("--tpm", type=int, help="input tokens per minute allowed each model")
    parser.add_argument("--concurrent", type=int, help="calls in flight allowed each model")
    parser.add_argument("--quota-window-s", type=float, default=60.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = FakeGeminiApp()
    config = app.state.config
    config["valid_keys"] = args.valid_key
    config["active_after_polls"] = args.active_after_polls
    config["processing_ms"] = args.processing_ms
    config["models"] += [as_model_resource(model) for model in args.model]
    quota = ModelQuota(rpm=args.rpm, tpm=args.tpm, concurrent=args.concurrent)
    if not quota.unlimited:
        config["quotas"] = {"*": quota.as_dict()}
    config["quota_window_s"] = args.quota_window_s
    if args.latency_ms:
        app.state.scripts["*"] = {"latency_ms": args.latency_ms}
    server = make_fake_server(app, args.host, args.port)

    def _terminate(*_: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _terminate)
    print(f"FAKE_GEMINI_URL=http://{args.host}:{server.server_port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
