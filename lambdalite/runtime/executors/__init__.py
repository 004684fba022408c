"""Executors hide where execution environments live: this machine (local) or a cluster."""
