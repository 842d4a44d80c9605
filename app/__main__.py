"""Command line: ``python -m app serve [--host --port]``."""

from __future__ import annotations

import typer
import uvicorn
from pydantic import ValidationError

from app.logs import configure_logging
from app.settings import Settings

cli = typer.Typer(add_completion=False, no_args_is_help=True, help="Nova Sonic phone bridge")


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning validation errors into one readable message per bad setting."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = [f"  {'.'.join(str(p) for p in err['loc']).upper()}: {err['msg']}" for err in exc.errors()]
        typer.echo("Invalid settings:\n" + "\n".join(lines), err=True)
        raise typer.Exit(2) from exc


@cli.command()
def serve(
    host: str | None = typer.Option(None, help="Interface to bind (default: HOST or 0.0.0.0)"),
    port: int | None = typer.Option(None, help="Port (default: PORT or 8000)"),
) -> None:
    """Run the service."""
    settings = load_settings(host=host, port=port)
    configure_logging(settings.log_level, settings.log_format)
    from app.main import create_app

    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        ws_max_size=settings.max_message_bytes,
        proxy_headers=True,
    )


@cli.command()
def version() -> None:
    """Print the version."""
    from importlib.metadata import version as pkg_version

    typer.echo(pkg_version("nova-phone-bridge"))


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
