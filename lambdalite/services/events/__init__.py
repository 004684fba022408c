"""Amazon EventBridge: event buses, rules (event patterns and schedules), targets, PutEvents."""
