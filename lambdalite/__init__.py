"""lambdalite: AWS Lambda applications on your own machine or cluster."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lambdalite")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+source"
