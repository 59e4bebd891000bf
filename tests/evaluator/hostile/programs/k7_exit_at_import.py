# Kind 7, os._exit(0) at import, before any class exists.
import os

os._exit(0)
