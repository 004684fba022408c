"""Amazon EventBridge Scheduler: schedule groups, and schedules that invoke a target."""
