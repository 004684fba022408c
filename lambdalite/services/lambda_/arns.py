"""Function names and ARNs in every form AWS accepts, and the ARNs lambdalite answers with."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lambdalite.aws.context import RequestContext
from lambdalite.services.lambda_.errors import AccessDenied, InvalidParameterValue, ResourceNotFound

LATEST = "$LATEST"

# name | name:qualifier | account:function:name[:qualifier]
#      | arn:aws:lambda:region:account:function:name[:qualifier]
_REFERENCE = re.compile(
    r"(?:arn:(?P<partition>aws[a-zA-Z-]*)?:lambda:(?P<region>[a-z0-9-]+):)?"
    r"(?:(?P<account>\d{12}):)?(?:function:)?"
    r"(?P<name>[a-zA-Z0-9-_.]+)(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9-_$.]+))?"
)


@dataclass(frozen=True, slots=True)
class FunctionRef:
    """A function (and maybe a version or alias) of one account and region."""

    account: str
    region: str
    name: str
    qualifier: str | None = None

    @property
    def arn(self) -> str:
        """The ARN as named: qualified when a qualifier was given."""
        return function_arn(self.account, self.region, self.name, self.qualifier)

    @property
    def unqualified_arn(self) -> str:
        return function_arn(self.account, self.region, self.name)

    def with_qualifier(self, qualifier: str | None) -> FunctionRef:
        return FunctionRef(self.account, self.region, self.name, qualifier)


def function_arn(account: str, region: str, name: str, qualifier: str | None = None) -> str:
    arn = f"arn:aws:lambda:{region}:{account}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


def parse_function(ctx: RequestContext, value: str, qualifier: str | None = None) -> FunctionRef:
    """The function ``value`` names, with ``qualifier`` (the Qualifier parameter) applied.

    The model's patterns have already been checked; this resolves the forms and refuses what
    AWS refuses: a name and a Qualifier that disagree, another region's or account's ARN.
    """
    found = _REFERENCE.fullmatch(value)
    if found is None:
        raise InvalidParameterValue(f"Invalid function name: {value}")
    derived = found.group("qualifier")
    if derived and qualifier and derived != qualifier:
        raise InvalidParameterValue(
            "The derived qualifier from the function name does not match the specified qualifier."
        )
    ref = FunctionRef(ctx.account_id, ctx.region, found.group("name"), derived or qualifier)
    _check_owner(ctx, found.group("region"), found.group("account"), ref)
    return ref


def _check_owner(
    ctx: RequestContext, region: str | None, account: str | None, ref: FunctionRef
) -> None:
    if region and region != ctx.region:
        # Wording of the regional endpoint refusing another region's ARN.
        raise ResourceNotFound(
            f"Functions from '{region}' are not reachable in this region ('{ctx.region}')"
        )
    if account and account != ctx.account_id:
        principal = ctx.principal.arn if ctx.principal else ctx.account_id
        raise AccessDenied(
            f"User: {principal} is not authorized to perform: lambda:{ctx.operation_name} "
            f"on resource: {function_arn(account, ref.region, ref.name, ref.qualifier)}"
        )


def layer_arn(account: str, region: str, name: str, version: int | None = None) -> str:
    arn = f"arn:aws:lambda:{region}:{account}:layer:{name}"
    return f"{arn}:{version}" if version is not None else arn
