"""didkit-py: decentralized identity for Python.

The core library: keys, DIDs, credentials and their securing formats, BBS selective
disclosure, the registry chain client, status lists, presentation exchange and matching.
Nothing here holds global state; every function takes what it needs.
"""

__version__ = "0.1.0"
