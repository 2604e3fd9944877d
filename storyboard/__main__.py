"""The `storyboard` command (and `python -m storyboard`).

``--version`` is answered here, before the command line and its libraries are
loaded: it is asked often, by editors and scripts, and should cost nothing.
"""

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from ._version import __version__

        print(f"storyboard {__version__}")
        return
    from .cli import main as run

    run()


if __name__ == "__main__":
    main()
