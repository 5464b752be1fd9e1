"""The demo county of `kace demo` and the first-run wizard: generated (county.py, people.py) and written
through the ops and the change log (make.py). Faker is used here only."""

from app.demo.make import DemoReport, make_demo

__all__ = ["DemoReport", "make_demo"]
