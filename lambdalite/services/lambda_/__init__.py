"""AWS Lambda: the control plane (functions, versions, aliases, layers, policies, configs)."""
