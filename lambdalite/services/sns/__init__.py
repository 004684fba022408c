"""Amazon SNS: topics, subscriptions, filter policies and durable fan-out."""
