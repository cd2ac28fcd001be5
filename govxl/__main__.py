from govxl.cli import run

run()
