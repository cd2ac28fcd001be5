"""``python -m govxl``. The guard matters: a worker process started by ``spawn`` (Windows)
imports the main module again, and must not run the command a second time."""

if __name__ == "__main__":
    from govxl.cli import run

    run()
