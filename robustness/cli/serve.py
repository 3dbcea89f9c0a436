"""`robustness serve`: put any model behind the HTTP protocol of docs/http-protocol.md.

    robustness serve --model runs/model --port 8000     # then: robustness test --model http://127.0.0.1:8000/ ...

Prints the URL once it listens (`--port 0` picks a free port), and serves until interrupted.
"""

from __future__ import annotations

import click

from robustness.cli.model_options import MODEL_HELP, model_spec_options


@click.command("serve")
@click.option("--model", "model_spec", required=True, help=MODEL_HELP)
@model_spec_options
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 exposes the model to the network.")
@click.option("--port", type=click.IntRange(min=0, max=65535), default=8000, show_default=True,
              help="Port to listen on; 0 picks a free one (printed).")
@click.option("--require-token-env", default=None, metavar="NAME",
              help="Require `Authorization: Bearer TOKEN`, the token read from this environment variable.")
@click.option("--log-requests", is_flag=True, help="Log each request (method, path, status) on stderr.")
def serve(model_spec, model_options, host, port, require_token_env, log_requests):
    """Serve a model over HTTP (JSON in, probabilities out)."""
    import os

    from robustness.errors import UsageError
    from robustness.models.serve import make_server

    token = None
    if require_token_env:
        token = os.environ.get(require_token_env)
        if not token:
            raise UsageError(f"--require-token-env {require_token_env}: the environment variable is not set or "
                             f"empty; export it with the token clients must send")
    resolved = model_options.load(model_spec)
    server = make_server(resolved.model, host, port, token=token, quiet=not log_requests)
    click.echo(f"serving {resolved.spec} (labels {', '.join(resolved.model.labels)}) at {server.url}", err=True)
    click.echo(server.url)  # stdout carries only the URL, for scripts: URL=$(robustness serve ... | head -1)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
