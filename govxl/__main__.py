"""``python -m govxl`` and the ``govxl`` console script. The guard matters: a worker process
started by ``spawn`` (Windows) imports the main module again, and must not run the command a
second time."""

import sys


def main() -> None:
    """The console script. ``govxl --version`` answers before the command line (typer, rich) is
    even imported; everything else goes to :func:`govxl.cli.run`."""
    if sys.argv[1:] == ["--version"]:
        from govxl.version import __version__

        sys.stdout.write(f"govxl {__version__}\n")
        return
    from govxl.cli import run

    run()


if __name__ == "__main__":
    main()
