"""CloudWatch Logs: where functions' output and the platform's log lines are kept."""
