"""The OpenAPI 3.1 document, generated from the registered operations and the schemas in schemas.py."""

import re
from dataclasses import dataclass, field

from .schemas import SCHEMAS, page_of, ref

VERSION = "1.0.0"


@dataclass
class Operation:
    """One documented API call."""

    method: str
    rule: str  # relative to the blueprint's prefix, as OpenAPI paths are to the server URL
    endpoint: str
    summary: str
    response: dict
    scope: str = "read"
    query: dict = field(default_factory=dict)  # name -> (schema, description)
    body: dict | None = None
    status: int = 200


OPERATIONS: list[Operation] = []
_PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")


def operation(bp, rule: str, summary: str, response: dict, method: str = "GET", **options):
    """Register a view as an API route and as an operation of the OpenAPI document."""
    def decorate(view):
        bp.add_url_rule(rule, view_func=view, methods=[method])
        OPERATIONS.append(Operation(method, rule, f"{bp.name}.{view.__name__}", summary, response, **options))
        return view
    return decorate


def _path_parameters(rule: str) -> list[dict]:
    return [{"name": name, "in": "path", "required": True,
             "schema": {"type": "integer"} if converter == "int" else {"type": "string"}}
            for converter, name in _PARAMETER.findall(rule)]


def _errors(*statuses: int) -> dict:
    return {str(status): {"description": "An error object", "content": {"application/json": {"schema": ref("Error")}}}
            for status in statuses}


def document(server_url: str) -> dict:
    """The whole OpenAPI document."""
    paths: dict = {}
    for op in OPERATIONS:
        parameters = _path_parameters(op.rule) + [
            {"name": name, "in": "query", "required": False, "schema": schema, "description": description}
            for name, (schema, description) in op.query.items()]
        entry = {
            "operationId": op.endpoint.replace(".", "_"), "summary": op.summary, "parameters": parameters,
            "responses": {str(op.status): {"description": "Success",
                                           "content": {"application/json": {"schema": op.response}}},
                          **_errors(400, 401, 403, 404, 409, 422, 429)},
            "security": [{"token": []}] if op.scope == "write" else [{}, {"token": []}],
        }
        if op.body:
            entry["requestBody"] = {"required": True, "content": {"application/json": {"schema": op.body}}}
        paths.setdefault(_PARAMETER.sub(r"{\2}", op.rule), {})[op.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": "CrowdSpirit API", "version": VERSION, "description": (
            "Everything the pages show, as JSON, under the same access policy. Reads work anonymously for public "
            "content; a personal access token (Authorization: Bearer ...) reads as its owner, and writes need its "
            "write scope. Lists are cursor-paginated: pass next_cursor back as cursor.")},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {"schemas": SCHEMAS,
                       "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}},
    }


__all__ = ["OPERATIONS", "document", "operation", "page_of", "ref"]
