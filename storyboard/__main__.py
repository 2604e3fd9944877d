"""The `storyboard` command (and `python -m storyboard`).

``--version`` is answered here, before the command line and its libraries are
loaded: it is asked often, by editors and scripts, and should cost nothing. So is a
build with nothing to do (:mod:`storyboard._noop`): run again, it prints what it printed
last time once a look at the files it depends on shows that none has changed.
"""

import gc
import sys


def main() -> None:
    words = sys.argv[1:]
    if words == ["--version"]:
        from ._version import __version__

        print(f"storyboard {__version__}")
        return
    if "build" in words:
        from ._noop import replay

        if replay(words):
            return
    from .cli import main as run

    try:
        run()
    finally:
        # The process ends here: the collector's passes at exit would walk every object
        # it made (a build's: 0.2 to 0.4 s between its summary and its end).
        gc.freeze()


if __name__ == "__main__":
    main()
