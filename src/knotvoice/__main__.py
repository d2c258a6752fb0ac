import sys

from knotvoice.cli import main

sys.exit(main())
