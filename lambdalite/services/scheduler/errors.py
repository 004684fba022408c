"""EventBridge Scheduler's errors (status codes from its model: 400, 404, 409).

Wording: "Invalid Schedule Expression <expression>." (localstack's AWS-recorded scheduler
snapshot), "Schedule <name> does not exist." (AWS answers quoted in aws/aws-sdk-js-v3#5720 and
dvalbuena1/visa_rescheduler_aws#23), "The StartDate you specify cannot be earlier than 5 minutes
ago." (the StartDate rule of the CreateSchedule reference). Messages of other refusals were not
found recorded; they name the member at fault in the same style.
"""

from __future__ import annotations

from lambdalite.aws.errors import ServiceError


class Validation(ServiceError):
    code = "ValidationException"
    status = 400


class ResourceNotFound(ServiceError):
    code = "ResourceNotFoundException"
    status = 404


class Conflict(ServiceError):
    code = "ConflictException"
    status = 409


def schedule_not_found(name: str) -> ResourceNotFound:
    return ResourceNotFound(f"Schedule {name} does not exist.")


def group_not_found(name: str) -> ResourceNotFound:
    return ResourceNotFound(f"Schedule group {name} does not exist.")
