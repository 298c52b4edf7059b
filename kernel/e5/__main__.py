"""``python -m kernel.e5``: build (or confirm) the embedding model folder."""

import sys

from .build import main

if __name__ == "__main__":
    sys.exit(main())
