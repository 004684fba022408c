"""Event source mappings, schedules, topic fan-out and rules: what makes functions run without an Invoke call."""  # noqa: E501
