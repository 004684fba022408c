"""Layers: PublishLayerVersion, GetLayerVersion(ByArn), ListLayers, ListLayerVersions,
DeleteLayerVersion, layer version permissions."""

from __future__ import annotations

from lambdalite.services.lambda_.base import LambdaBase


class LayerOperations(LambdaBase):
    """Operations not written yet answer the loud 501 NotImplemented error."""
