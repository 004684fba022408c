"""The wire names of a legacy query protocol that a service's current model no longer carries.

SQS moved from the ``query`` protocol to ``json`` (botocore 1.31.81 in November 2023, reverted,
then for good in April 2024). Its JSON model kept the member names and the ``flattened`` traits
but dropped what only the query wire needs: ``locationName`` (the form keys and XML elements old
clients use, ``Attribute.1.Name``, ``<Message>``) and the operations' ``resultWrapper``
(``<SendMessageResult>``). Older SDKs (boto3 before the switch, Java v1, PHP, Ruby v2, .NET v3
before 2023, ...) still speak query, so lambdalite answers them from the JSON model with those
traits put back: :func:`legacy_query_model` builds that view.

Where the facts come from: botocore's query model of SQS (``sqs/2012-11-05/service-2.json`` as
botocore shipped it while SQS spoke query, e.g. in botocore 1.34.22) and the "Making query API
requests" page and per-action XML examples of AWS's SQS API reference. The old model follows
rules, which are applied here; only its exceptions are listed (:data:`LEGACY_QUERY`). A member
added after the switch follows the rules too (``MessageSystemAttributeNames`` ->
``MessageSystemAttributeName.N``, as clients such as kombu send it).
``tests/aws/test_legacy_query.py`` compares the result with the old model, trait by trait, when
a copy of it is on the machine; lambdalite itself never reads it.

The rules, as the old SQS model has them:

* every operation output is wrapped in ``<Operation>Result``;
* a list's elements are named after their shape (``MessageList`` holds ``Message``), unless
  :attr:`LegacyQuery.element_names` says otherwise (a list of plain ``String`` needs a name);
* a map's entries are ``Name``/``Value`` pairs, unless :attr:`LegacyQuery.map_key_names` names
  the key otherwise (tags are ``Key``/``Value``);
* a member holding a flattened map is named in the singular (``Attributes`` ->
  ``Attribute.N.Name``, ``tags`` -> ``Tag.N.Key``);
* a member that flattens a list which is not flattened itself is named as that list's elements
  (``StringListValues`` -> ``StringListValue.N``).

Traits the current model does carry are never replaced.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Raw = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class LegacyQuery:
    """What one service's legacy query protocol names differently from the rules above."""

    xml_namespace: str
    #: List shape -> element name, where it is not the element's shape name.
    element_names: Mapping[str, str]
    #: Map shape -> entry key name, where it is not ``Name``.
    map_key_names: Mapping[str, str]

    def element_name(self, list_name: str, shape: Raw) -> str:
        return self.element_names.get(list_name, str(shape["member"]["shape"]))


LEGACY_QUERY: Mapping[str, LegacyQuery] = {
    "sqs": LegacyQuery(
        xml_namespace="http://queue.amazonaws.com/doc/2012-11-05/",
        element_names={
            # Lists of a generic shape are named after what they hold.
            "AWSAccountIdList": "AWSAccountId",
            "ActionNameList": "ActionName",
            "AttributeNameList": "AttributeName",  # of QueueAttributeName
            "QueueUrlList": "QueueUrl",
            # MessageAttributeValue's list values: StringListValue.1, BinaryListValue.1.
            "StringList": "StringListValue",
            "BinaryList": "BinaryListValue",
        },
        map_key_names={"TagMap": "Key"},
    ),
}


def legacy_query_model(raw: Raw, legacy: LegacyQuery) -> dict[str, Any]:
    """A copy of the service model ``raw`` (as botocore's loader returns it) that speaks the
    legacy query protocol: ``raw`` itself is left as it is."""
    shapes: Raw = raw["shapes"]
    return {
        **raw,
        "metadata": {
            **raw["metadata"],
            "protocol": "query",
            "protocols": ["query"],
            "xmlNamespace": legacy.xml_namespace,
        },
        "operations": {name: _operation(name, op) for name, op in raw["operations"].items()},
        "shapes": {name: _shape(name, shape, shapes, legacy) for name, shape in shapes.items()},
    }


def _operation(name: str, operation: Raw) -> Raw:
    output = operation.get("output")
    if output is None:
        return operation
    return {**operation, "output": {"resultWrapper": f"{name}Result", **output}}


def _shape(name: str, shape: Raw, shapes: Raw, legacy: LegacyQuery) -> Raw:
    kind = shape["type"]
    if kind == "list":
        return {**shape, "member": _named(shape["member"], legacy.element_name(name, shape))}
    if kind == "map":
        key = _named(shape["key"], legacy.map_key_names.get(name, "Name"))
        return {**shape, "key": key, "value": _named(shape["value"], "Value")}
    if kind == "structure":
        members = {
            member: _member(member, ref, shapes, legacy) for member, ref in shape["members"].items()
        }
        return {**shape, "members": members}
    return shape


def _member(name: str, ref: Raw, shapes: Raw, legacy: LegacyQuery) -> Raw:
    target = shapes[ref["shape"]]
    if target["type"] == "map" and target.get("flattened"):
        return _named(ref, _singular(name))
    if target["type"] == "list" and ref.get("flattened") and not target.get("flattened"):
        return _named(ref, legacy.element_name(ref["shape"], target))
    return ref


def _named(ref: Raw, location_name: str) -> Raw:
    """``ref`` with a ``locationName``, unless it has one already."""
    return {"locationName": location_name, **ref}


def _singular(name: str) -> str:
    """``Attributes`` -> ``Attribute``, ``tags`` -> ``Tag``: one entry of a flattened map."""
    return name[:1].upper() + name[1:].removesuffix("s")
