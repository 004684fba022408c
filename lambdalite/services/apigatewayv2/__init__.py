"""Amazon API Gateway v2: the HTTP APIs control plane and its route resolver."""
